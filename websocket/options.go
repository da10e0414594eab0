package websocket

import (
	"time"

	"github.com/klauspost/compress/flate"
	"github.com/rawsock/httpserver"
)

// AcceptOptions configures [Accept]. A nil *AcceptOptions takes every
// default. Zero values mean the default; where a negative value is
// allowed it means "none" (no limit, no compression, no timeout).
type AcceptOptions struct {
	// Subprotocols are the application protocols the server speaks, in
	// order of preference; the first one the client also offers in
	// Sec-WebSocket-Protocol is chosen (RFC 6455 §4.2.2). None chosen
	// means no Sec-WebSocket-Protocol in the response.
	Subprotocols []string

	// OriginPatterns are host patterns (path.Match syntax, compared
	// case-insensitively, e.g. "*.example.com") of other origins whose
	// browsers may connect. A pattern containing "://" is matched against
	// "scheme://host" instead. The request's own host is always allowed,
	// and so is a request without an Origin header (a non-browser
	// client).
	OriginPatterns []string
	// CheckOrigin, when set, is asked about an Origin that is neither the
	// request's host nor matched by OriginPatterns; returning true allows
	// it.
	CheckOrigin func(r *httpserver.Request, origin string) bool

	// Compression chooses how permessage-deflate (RFC 7692) is used when
	// the client offers it; the zero value is CompressionNoContextTakeover.
	Compression CompressionMode
	// CompressionLevel is the flate level of outgoing messages, from
	// flate.BestSpeed (1, the default) to flate.BestCompression (9).
	CompressionLevel int
	// CompressionThreshold is the size below which messages are sent
	// uncompressed even when compression was negotiated: 128 bytes if
	// zero, every message compressed if negative.
	CompressionThreshold int

	// ReadLimit bounds the size of a received message, after
	// decompression: 32 KiB if zero, no limit if negative. A larger
	// message fails the connection with StatusMessageTooBig (1009).
	ReadLimit int64

	// PingInterval, when positive, makes the connection send a ping
	// every interval while open, and close the connection when nothing
	// at all has been received for PingInterval+PongTimeout. Keep-alive
	// needs a reader: pongs are seen by Read and Reader. On an EventConn
	// (AcceptEvents) it closes the connection when a ping has had nothing
	// received after it for PongTimeout.
	PingInterval time.Duration
	// PongTimeout is how much longer than PingInterval the peer may stay
	// silent; PingInterval if zero.
	PongTimeout time.Duration
	// CloseTimeout bounds how long Close waits for the peer's close
	// frame: 5s if zero.
	CloseTimeout time.Duration

	// Group receives the connection, for [Group.Shutdown]; nil means
	// [DefaultGroup]. AcceptEvents ignores it: the server's Shutdown
	// reaches an EventConn directly. Set it to a Group of your own to shut down one
	// server's WebSockets without the others'.
	Group *Group
}

// CompressionMode says how permessage-deflate is used.
type CompressionMode int

const (
	// CompressionNoContextTakeover accepts permessage-deflate with
	// server_no_context_takeover and client_no_context_takeover: each
	// message is compressed on its own, and compressor state is held
	// only while a message is read or written (taken from a pool), so
	// an idle connection holds none.
	CompressionNoContextTakeover CompressionMode = iota
	// CompressionContextTakeover keeps a compressor and a 32 KiB
	// decompression window per connection for the whole connection
	// (unless the client asks for no context takeover), for better
	// ratios on many small similar messages at a cost in memory.
	CompressionContextTakeover
	// CompressionDisabled declines permessage-deflate.
	CompressionDisabled
)

// settings is AcceptOptions with the defaults filled in.
type settings struct {
	compression    CompressionMode
	level          int
	threshold      int
	readLimit      int64
	pingInterval   time.Duration
	pongTimeout    time.Duration
	closeTimeout   time.Duration
	group          *Group
	subprotocols   []string
	originPatterns []string
	checkOrigin    func(*httpserver.Request, string) bool
}

// withDefaults resolves o, which may be nil.
func (o *AcceptOptions) withDefaults() settings {
	if o == nil {
		o = &AcceptOptions{}
	}
	s := settings{
		compression:    o.Compression,
		level:          o.CompressionLevel,
		threshold:      o.CompressionThreshold,
		readLimit:      o.ReadLimit,
		pingInterval:   o.PingInterval,
		pongTimeout:    o.PongTimeout,
		closeTimeout:   o.CloseTimeout,
		group:          o.Group,
		subprotocols:   o.Subprotocols,
		originPatterns: o.OriginPatterns,
		checkOrigin:    o.CheckOrigin,
	}
	if s.level == 0 {
		s.level = flate.BestSpeed
	}
	s.level = min(max(s.level, flate.BestSpeed), flate.BestCompression)
	switch {
	case s.threshold == 0:
		s.threshold = 128
	case s.threshold < 0:
		s.threshold = 0
	}
	switch {
	case s.readLimit == 0:
		s.readLimit = 32 << 10
	case s.readLimit < 0:
		s.readLimit = -1
	}
	if s.pongTimeout <= 0 {
		s.pongTimeout = s.pingInterval
	}
	if s.closeTimeout <= 0 {
		s.closeTimeout = 5 * time.Second
	}
	if s.group == nil {
		s.group = DefaultGroup
	}
	return s
}
