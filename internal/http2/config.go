package http2

import (
	"log/slog"
	"time"
)

// Config configures a [ServerConn]. A nil *Config, and every zero field,
// means the documented default; negative values are not meaningful and are
// treated as zero.
type Config struct {
	// IdleTimeout closes a connection (GOAWAY NO_ERROR) that has had no
	// open stream for this long. Default 2 minutes.
	IdleTimeout time.Duration
	// PrefaceTimeout bounds reading the client preface and first SETTINGS.
	// Default 10 seconds.
	PrefaceTimeout time.Duration
	// HeaderTimeout bounds receiving one field block, from its HEADERS
	// frame to the frame with END_HEADERS: a client that trickles the
	// CONTINUATION frames of a request's header loses the connection,
	// as an HTTP/1 client that trickles its head does. Default 10
	// seconds.
	HeaderTimeout time.Duration
	// WriteTimeout bounds one write to the connection (a peer that reads
	// nothing for this long loses the connection) and how long a stream's
	// Write may wait for the peer to open a flow-control window without
	// any progress (the stream is then reset with CANCEL). Default 30
	// seconds.
	WriteTimeout time.Duration
	// EnableConnectProtocol announces SETTINGS_ENABLE_CONNECT_PROTOCOL
	// (RFC 8441) so extended CONNECT (:protocol) requests are accepted.
	EnableConnectProtocol bool
	// Limits bound what one client may make the server hold or do.
	Limits Limits
	// Logger receives connection errors at debug level. Default: discard.
	Logger *slog.Logger
	// Rejected, when set, is called for each request the connection
	// answers itself instead of passing it to the Handler, with the
	// status it answers: 431 for a field list beyond
	// Limits.MaxHeaderListSize (the stream's fields are then not
	// available). It runs on the stream's handler goroutine, before the
	// answer is sent.
	Rejected func(s *Stream, status int)
}

// Limits are the abuse bounds of one connection. Zero means the default
// given on each field.
type Limits struct {
	// MaxConcurrentStreams is the SETTINGS_MAX_CONCURRENT_STREAMS the
	// server announces; a HEADERS frame beyond it is refused with
	// REFUSED_STREAM (RFC 9113 §5.1.2). Default 100 (the RFC's
	// recommended minimum).
	MaxConcurrentStreams uint32
	// MaxFrameSize is the SETTINGS_MAX_FRAME_SIZE the server announces
	// (16384..16777215). Default 16384.
	MaxFrameSize uint32
	// MaxHeaderListSize is the SETTINGS_MAX_HEADER_LIST_SIZE announced and
	// enforced on the decoded fields (RFC 9113 §6.5.2; name + value + 32
	// per field): the HPACK bomb bound. Default 64 KiB.
	MaxHeaderListSize uint32
	// MaxHeaderBlockSize bounds the encoded field block summed over a
	// HEADERS frame and its CONTINUATION frames, checked before any
	// decoding (CONTINUATION flood, CVE-2024-27316). Default 64 KiB.
	MaxHeaderBlockSize uint32
	// MaxContinuationFrames bounds the CONTINUATION frames of one field
	// block. Default 16.
	MaxContinuationFrames int
	// HeaderTableSize is the HPACK dynamic table size the decoder allows
	// (SETTINGS_HEADER_TABLE_SIZE). Default 4096.
	HeaderTableSize uint32
	// StreamWindow is the receive window of each stream
	// (SETTINGS_INITIAL_WINDOW_SIZE): how much request body one stream may
	// have buffered unread. Default 256 KiB.
	StreamWindow uint32
	// ConnWindow is the receive window of the connection: how much request
	// body all streams together may have buffered unread. Default 1 MiB.
	ConnWindow uint32
	// StreamWriteBuffer bounds the response bytes one stream buffers that
	// the peer's windows do not yet let the server send; Write blocks
	// beyond it. Default 64 KiB.
	StreamWriteBuffer int
	// MaxQueuedControlFrames bounds the control frames (SETTINGS ACK, PING
	// ACK, RST_STREAM, WINDOW_UPDATE) waiting to be written; a peer that
	// provokes more than this without reading is a PING/SETTINGS flood:
	// GOAWAY ENHANCE_YOUR_CALM. Default 1000.
	MaxQueuedControlFrames int
	// MaxResets bounds, per ResetInterval, the streams the client resets
	// plus the streams the server resets because of the client's frames
	// (Rapid Reset CVE-2023-44487, MadeYouReset CVE-2025-8671); above it
	// the connection ends with GOAWAY ENHANCE_YOUR_CALM. Default 200.
	MaxResets int
	// ResetInterval is the window of MaxResets and MaxEmptyFrames.
	// Default 10 seconds.
	ResetInterval time.Duration
	// MaxEmptyFrames bounds, per ResetInterval, DATA frames without data
	// and without END_STREAM and field-block frames without any field
	// block octets. Default 100.
	MaxEmptyFrames int
}

// withDefaults returns a copy of c with every zero field set to its default.
func (c *Config) withDefaults() Config {
	var d Config
	if c != nil {
		d = *c
	}
	def := func(v *time.Duration, x time.Duration) {
		if *v <= 0 {
			*v = x
		}
	}
	def(&d.IdleTimeout, 2*time.Minute)
	def(&d.PrefaceTimeout, 10*time.Second)
	def(&d.HeaderTimeout, 10*time.Second)
	def(&d.WriteTimeout, 30*time.Second)
	def(&d.Limits.ResetInterval, 10*time.Second)
	l := &d.Limits
	u32 := func(v *uint32, x uint32) {
		if *v == 0 {
			*v = x
		}
	}
	u32(&l.MaxConcurrentStreams, 100)
	u32(&l.MaxFrameSize, minMaxFrameSize)
	if l.MaxFrameSize < minMaxFrameSize {
		l.MaxFrameSize = minMaxFrameSize
	}
	if l.MaxFrameSize > maxMaxFrameSize {
		l.MaxFrameSize = maxMaxFrameSize
	}
	u32(&l.MaxHeaderListSize, 64<<10)
	u32(&l.MaxHeaderBlockSize, 64<<10)
	u32(&l.HeaderTableSize, 4096)
	u32(&l.StreamWindow, 256<<10)
	u32(&l.ConnWindow, 1<<20)
	if l.StreamWindow > maxWindow {
		l.StreamWindow = maxWindow
	}
	if l.ConnWindow > maxWindow {
		l.ConnWindow = maxWindow
	}
	if l.ConnWindow < initialWindow {
		l.ConnWindow = initialWindow
	}
	posInt := func(v *int, x int) {
		if *v <= 0 {
			*v = x
		}
	}
	posInt(&l.MaxContinuationFrames, 16)
	posInt(&l.StreamWriteBuffer, 64<<10)
	posInt(&l.MaxQueuedControlFrames, 1000)
	posInt(&l.MaxResets, 200)
	posInt(&l.MaxEmptyFrames, 100)
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return d
}

// rateCounter counts events in fixed windows of length interval.
type rateCounter struct {
	limit    int
	interval time.Duration
	start    time.Time
	n        int
}

// add records one event at now and reports whether the limit is exceeded.
func (r *rateCounter) add(now time.Time) bool {
	if now.Sub(r.start) >= r.interval {
		r.start, r.n = now, 0
	}
	r.n++
	return r.n > r.limit
}
