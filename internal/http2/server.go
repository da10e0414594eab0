package http2

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/rawsock/httpserver/internal/http2/hpack"
)

// ServerConn is the server side of one HTTP/2 connection over a net.Conn:
// a reader loop (Serve) that reads and checks frames and runs a handler
// goroutine per request stream, and a writer goroutine that sends control
// frames first and then the streams' data in round-robin order.
type ServerConn struct {
	nc  net.Conn
	cfg Config
	h   Handler

	fr      *FrameReader
	dec     *hpack.Decoder
	decoded []hpack.HeaderField // scratch: fields of the block being decoded
	block   []byte              // field block gathered across CONTINUATION
	// blockStream is the stream of an unfinished field block.
	blockStream   uint32
	blockEnd      bool // the HEADERS frame carried END_STREAM
	blockPriority Priority
	blockConts    int
	sawSettings   bool
	connectProto  bool
	writerDone    chan struct{}
	handlersDone  sync.WaitGroup
	serveDone     chan struct{} // closed when Serve returns
	// work hands streams to idle handler goroutines (workers), which
	// then run the next stream instead of exiting: starting a goroutine
	// per stream would allocate. workQuit ends the idle ones.
	work        chan *Stream
	workQuit    chan struct{}
	workers     sync.WaitGroup
	idleWorkers int // guarded by mu

	mu      sync.Mutex
	wake    sync.Cond // wakes the writer
	streams map[uint32]*Stream
	// maxClientID is the highest stream identifier the client opened
	// (RFC 9113 §5.1.1); streams above it are idle.
	maxClientID  uint32
	ready        []*Stream // streams with something to write, round-robin
	ctrl         []byte    // control frames waiting for the writer
	ctrlCount    int
	peer         peerSettings
	peerTable    uint32 // header table size for the encoder, applied by the writer
	peerTableNew bool
	sendConn     sendWindow
	recvConn     recvWindow
	handlers     int  // running handler goroutines
	goAwaySent   bool // no new streams
	shutdown     bool // Shutdown called: close once the streams finish
	prefaceSent  bool // the server preface (SETTINGS) is queued
	goAwayWanted bool // GoAway was called before the preface was queued
	fatal        bool // a connection error: write the GOAWAY and close
	closed       bool // the connection is closed
	// settingsAcked: the client acknowledged our SETTINGS.
	settingsAcked bool
	// readDeadline is the read deadline the connection's state asks
	// for (idle, or the stall check of open streams); while a field
	// block is being received (blockOpen) blockDeadline bounds it (see
	// setReadDeadlineLocked).
	readDeadline  time.Time
	blockDeadline time.Time
	blockOpen     bool
	resets        rateCounter
	empties       rateCounter
	// scratchHeaders frames a field block (writer only).
	scratchHeaders []byte
}

// NewServerConn returns a connection that will serve nc with h once Serve
// is called. cfg may be nil.
func NewServerConn(nc net.Conn, cfg *Config, h Handler) *ServerConn {
	c := &ServerConn{
		nc:         nc,
		cfg:        cfg.withDefaults(),
		h:          h,
		streams:    make(map[uint32]*Stream),
		writerDone: make(chan struct{}),
		serveDone:  make(chan struct{}),
		work:       make(chan *Stream),
		workQuit:   make(chan struct{}),
		peer:       defaultPeerSettings(),
		sendConn:   sendWindow{n: initialWindow},
	}
	l := &c.cfg.Limits
	c.wake.L = &c.mu
	c.fr = NewFrameReader(nc, l.MaxFrameSize)
	c.fr.OnFieldBlockWait = c.openBlock
	// RFC 9113 §6.5.2: the client may use 4096 until it has seen our
	// SETTINGS; HeaderTableSize applies from its ACK (onSettings).
	c.dec = hpack.NewDecoder(4096)
	c.dec.SetMaxHeaderListSize(l.MaxHeaderListSize)
	c.recvConn = newRecvWindow(l.ConnWindow)
	c.resets = rateCounter{limit: l.MaxResets, interval: l.ResetInterval}
	c.empties = rateCounter{limit: l.MaxEmptyFrames, interval: l.ResetInterval}
	c.connectProto = c.cfg.EnableConnectProtocol
	return c
}

// ServeOptions say how the connection started.
type ServeOptions struct {
	// PrefaceRead says the client preface was already consumed (h2c by
	// prior knowledge, detected by the HTTP/1 side). Bytes read past it
	// must be handed back through the net.Conn given to NewServerConn.
	PrefaceRead bool
	// Upgrade, when set, is the HTTP/1.1 request that switched to h2c by
	// "Upgrade: h2c"; it is served as stream 1.
	Upgrade *Upgrade
}

// Serve runs the connection until it ends: the client goes away, a
// connection error, the idle timeout, or Shutdown/Close. It returns after
// every handler has returned; the error is nil for an orderly end.
func (c *ServerConn) Serve(opts ServeOptions) error {
	go c.writeLoop()
	err := c.serve(opts)
	c.mu.Lock()
	var ce ConnError
	isConnErr := errors.As(err, &ce)
	switch {
	case isConnErr:
		c.goAwayLocked(ce.Code)
		c.fatal = true
		c.cfg.Logger.Debug("http2 connection error", "remote", c.nc.RemoteAddr().String(), "err", err)
	case errors.Is(err, errIdle):
		// Graceful: the writer sends the GOAWAY and closes.
	default:
		c.fatal = true
	}
	c.wake.Broadcast()
	c.mu.Unlock()
	if isConnErr || errors.Is(err, errIdle) {
		// Let the writer send the GOAWAY.
		select {
		case <-c.writerDone:
		case <-time.After(c.cfg.WriteTimeout):
		}
	}
	if isConnErr || errors.Is(err, errIdle) {
		// Drain briefly so closing with unread input does not reset the
		// connection before the client reads the GOAWAY.
		c.nc.SetReadDeadline(time.Now().Add(250 * time.Millisecond))
		io.Copy(io.Discard, io.LimitReader(c.nc, 1<<20))
	}
	c.closeConn()
	<-c.writerDone
	c.handlersDone.Wait()
	close(c.workQuit)
	c.workers.Wait()
	close(c.serveDone)
	if isConnErr {
		return ce
	}
	if err == io.EOF || errors.Is(err, net.ErrClosed) || errors.Is(err, errIdle) {
		return nil
	}
	return err
}

var errIdle = errors.New("httpserver: http2 idle")

func (c *ServerConn) serve(opts ServeOptions) error {
	c.mu.Lock()
	l := &c.cfg.Limits
	settings := []Setting{
		{SettingMaxConcurrentStreams, l.MaxConcurrentStreams},
		{SettingInitialWindowSize, l.StreamWindow},
		{SettingMaxFrameSize, l.MaxFrameSize},
		{SettingMaxHeaderListSize, l.MaxHeaderListSize},
		{SettingEnablePush, 0},
	}
	if l.HeaderTableSize != 4096 {
		settings = append(settings, Setting{SettingHeaderTableSize, l.HeaderTableSize})
	}
	if c.connectProto {
		settings = append(settings, Setting{SettingEnableConnectProtocol, 1})
	}
	// RFC 9113 §3.4: the server preface is a SETTINGS frame.
	c.ctrl = AppendSettings(c.ctrl, settings...)
	if l.ConnWindow > initialWindow {
		c.ctrl = AppendWindowUpdate(c.ctrl, 0, l.ConnWindow-initialWindow)
	}
	c.prefaceSent = true
	if c.goAwayWanted {
		// GoAway was called before Serve: the GOAWAY follows the preface.
		c.goAwayLocked(ErrCodeNo)
		c.shutdown = true
	}
	c.wake.Signal()
	if opts.Upgrade != nil {
		if err := c.upgradeLocked(opts.Upgrade); err != nil {
			c.mu.Unlock()
			return err
		}
	}
	c.mu.Unlock()

	c.nc.SetReadDeadline(time.Now().Add(c.cfg.PrefaceTimeout))
	if !opts.PrefaceRead {
		if err := c.fr.ReadPreface(); err != nil {
			if err == ErrBadPreface {
				return connError(ErrCodeProtocol, "invalid client preface")
			}
			return err
		}
	}
	for {
		f, err := c.fr.ReadFrame()
		if err == nil {
			c.trackBlock()
		} else {
			var se StreamError
			if errors.As(err, &se) {
				c.trackBlock()
				c.mu.Lock()
				err = c.streamErrorLocked(se)
				c.mu.Unlock()
				if err == nil {
					continue
				}
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				if err = c.onReadTimeout(); err == nil {
					continue
				}
			}
			return err
		}
		if !c.sawSettings {
			// RFC 9113 §3.4: the client preface ends with a SETTINGS frame.
			if f.Type != FrameSettings || f.Flags.Has(FlagAck) {
				return connError(ErrCodeProtocol, "client preface is not followed by SETTINGS")
			}
			c.sawSettings = true
			c.mu.Lock()
			c.setReadDeadlineLocked(time.Now().Add(c.cfg.IdleTimeout))
			c.mu.Unlock()
		}
		if err := c.processFrame(f); err != nil {
			return err
		}
	}
}

// onReadTimeout decides what a read deadline means: during the preface
// or an idle period the connection ends; with streams open it goes on.
func (c *ServerConn) onReadTimeout() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.sawSettings {
		return os.ErrDeadlineExceeded
	}
	now := time.Now()
	if c.blockOpen {
		if !now.Before(c.blockDeadline) {
			return errHeaderTimeout
		}
		// A request is arriving: the connection is not idle, and the
		// stall check waits until the block is whole.
		c.nc.SetReadDeadline(c.blockDeadline)
		return nil
	}
	if len(c.streams) > 0 || c.handlers > 0 {
		c.resetStalledLocked()
		c.setReadDeadlineLocked(now.Add(c.stallCheckInterval()))
		return nil
	}
	c.goAwayLocked(ErrCodeNo)
	c.shutdown = true
	c.wake.Broadcast()
	return errIdle
}

// errHeaderTimeout ends a connection whose field block did not arrive
// whole within Config.HeaderTimeout.
var errHeaderTimeout = errors.New("http2: field block not received within the header timeout")

// setReadDeadlineLocked sets the read deadline the connection's state
// asks for, t, bounded by the end of the field block being received.
func (c *ServerConn) setReadDeadlineLocked(t time.Time) {
	c.readDeadline = t
	if c.blockOpen && c.blockDeadline.Before(t) {
		t = c.blockDeadline
	}
	c.nc.SetReadDeadline(t)
}

// trackBlock opens or closes the field-block bound once a whole frame
// was read: a block is open exactly while its CONTINUATION frames are
// awaited. So a HEADERS frame that arrived in parts (opened by the frame
// reader's OnFieldBlockWait) closes it when it is whole, whatever then
// becomes of the frame (a stream, trailers, a stream error).
func (c *ServerConn) trackBlock() {
	if open := c.fr.continuing != 0; open != c.blockOpen {
		if open {
			c.openBlock()
		} else {
			c.closeBlock()
		}
	}
}

// openBlock and closeBlock bracket a field block that takes more than
// one read: a HEADERS frame that arrives in parts, or without
// END_HEADERS and then CONTINUATION frames. While it is open,
// Config.HeaderTimeout from its start bounds it; opening it again keeps
// that start.
func (c *ServerConn) openBlock() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.blockOpen {
		return
	}
	c.blockOpen = true
	c.blockDeadline = time.Now().Add(c.cfg.HeaderTimeout)
	c.setReadDeadlineLocked(c.readDeadline)
}

func (c *ServerConn) closeBlock() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.blockOpen = false
	c.setReadDeadlineLocked(c.readDeadline)
}

// stallCheckInterval is the read deadline while streams are open: each
// expiry looks for streams stalled on flow control.
func (c *ServerConn) stallCheckInterval() time.Duration { return c.cfg.WriteTimeout / 2 }

// resetStalledLocked resets the streams whose handler has waited more than
// WriteTimeout for the client to open a flow-control window: a client
// that never does would otherwise hold the handler and its buffer forever.
func (c *ServerConn) resetStalledLocked() {
	now := time.Now()
	for id, s := range c.streams {
		if !s.stalledSince.IsZero() && now.Sub(s.stalledSince) > c.cfg.WriteTimeout {
			c.cfg.Logger.Debug("http2 stream stalled on flow control", "stream", id)
			s.abortLocked(ErrWriteStalled) // the handler sees a timeout, not a reset by the client
			c.resetStreamLocked(id, ErrCodeCancel, false)
		}
	}
}

// Shutdown starts a graceful close: a GOAWAY with the last stream the
// server processed (RFC 9113 §6.8), no new streams, and the connection
// closes once the open streams finish. If ctx ends first the connection
// is closed at once. Shutdown returns when Serve has returned (it must be
// running).
func (c *ServerConn) Shutdown(ctx context.Context) error {
	c.GoAway()
	select {
	case <-c.serveDone:
		return nil
	case <-ctx.Done():
		c.closeConn()
		return ctx.Err()
	}
}

// GoAway starts the graceful close of Shutdown without waiting for it:
// GOAWAY, no new streams, and the connection closes once the open streams
// finish. It may be called at any time, repeatedly, and before Serve (the
// GOAWAY then follows the server preface).
func (c *ServerConn) GoAway() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.prefaceSent {
		c.goAwayWanted = true
		return
	}
	c.goAwayLocked(ErrCodeNo)
	c.shutdown = true
	c.wake.Broadcast()
}

// Close closes the connection at once; handlers see ErrConnClosed.
func (c *ServerConn) Close() error {
	c.closeConn()
	return nil
}

// closeConn closes the net.Conn once and aborts every stream.
func (c *ServerConn) closeConn() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	for _, s := range c.streams {
		s.abortLocked(ErrConnClosed)
	}
	c.wake.Broadcast()
	c.mu.Unlock()
	c.nc.Close()
}

// goAwayLocked queues a GOAWAY once (RFC 9113 §6.8).
func (c *ServerConn) goAwayLocked(code ErrCode) {
	if c.goAwaySent {
		return
	}
	c.goAwaySent = true
	c.ctrl = AppendGoAway(c.ctrl, c.maxClientID, code, nil)
	c.wake.Signal()
}

// queueControlLocked accounts for one control frame appended to c.ctrl;
// too many unsent is a flood (PING, SETTINGS, or frames that provoke
// RST_STREAM): the connection ends with ENHANCE_YOUR_CALM.
func (c *ServerConn) queueControlLocked() error {
	c.ctrlCount++
	c.wake.Signal()
	if c.ctrlCount > c.cfg.Limits.MaxQueuedControlFrames {
		return connError(ErrCodeEnhanceYourCalm, "too many control frames queued unsent")
	}
	return nil
}
