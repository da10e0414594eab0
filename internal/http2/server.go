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
	fatal        bool // a connection error: write the GOAWAY and close
	closed       bool // the connection is closed
	peerGoAway   bool
	// settingsAcked: the client acknowledged our SETTINGS.
	settingsAcked bool
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
	c.dec = hpack.NewDecoder(l.HeaderTableSize)
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
		if err != nil {
			var se StreamError
			if errors.As(err, &se) {
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
			c.nc.SetReadDeadline(time.Now().Add(c.cfg.IdleTimeout))
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
	if len(c.streams) > 0 || c.handlers > 0 {
		c.resetStalledLocked()
		c.nc.SetReadDeadline(time.Now().Add(c.stallCheckInterval()))
		return nil
	}
	c.goAwayLocked(ErrCodeNo)
	c.shutdown = true
	c.wake.Broadcast()
	return errIdle
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
	c.mu.Lock()
	c.goAwayLocked(ErrCodeNo)
	c.shutdown = true
	c.wake.Broadcast()
	c.mu.Unlock()
	select {
	case <-c.serveDone:
		return nil
	case <-ctx.Done():
		c.closeConn()
		return ctx.Err()
	}
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

// readyLocked puts s in the writer's round-robin queue.
func (c *ServerConn) readyLocked(s *Stream) {
	if !s.queued {
		s.queued = true
		c.ready = append(c.ready, s)
	}
	c.wake.Signal()
}

// consumeLocked returns n octets of request body to the flow-control
// windows, queueing WINDOW_UPDATE frames as they grow (RFC 9113 §6.9).
func (c *ServerConn) consumeLocked(s *Stream, n uint32) {
	if n == 0 {
		return
	}
	if inc := c.recvConn.consume(n); inc > 0 {
		c.ctrl = AppendWindowUpdate(c.ctrl, 0, inc)
		c.wake.Signal()
	}
	if s != nil && s.state == stateOpen || s != nil && s.state == stateHalfClosedLocal {
		if inc := s.recvWin.consume(n); inc > 0 {
			c.ctrl = AppendWindowUpdate(c.ctrl, s.id, inc)
			c.wake.Signal()
		}
	}
}

// endResponseLocked ends the response of s: a 200 head if none was
// written, END_STREAM after the buffered data.
func (c *ServerConn) endResponseLocked(s *Stream) error {
	if s.endQueued {
		return nil
	}
	if s.resetErr != nil {
		return s.resetErr
	}
	if !s.finalSent {
		if err := s.waitHeaderSlotLocked(); err != nil {
			return err
		}
		s.hdr.reset()
		s.hdrStatus, s.hdrPending, s.hdrEnd, s.hdrTrailers, s.finalSent = 200, true, true, false, true
	} else {
		s.endPending = true
	}
	s.endQueued = true
	c.readyLocked(s)
	return nil
}

// resetStreamLocked ends stream id with RST_STREAM code. byPeerFrame says
// the reset was provoked by the client's frames, which counts against the
// reset budget when a handler was working on it (MadeYouReset,
// CVE-2025-8671).
func (c *ServerConn) resetStreamLocked(id uint32, code ErrCode, byPeerFrame bool) error {
	c.ctrl = AppendRSTStream(c.ctrl, id, code)
	err := c.queueControlLocked()
	if s := c.streams[id]; s != nil {
		if byPeerFrame && !s.handlerDone && c.resets.add(time.Now()) && err == nil {
			err = connError(ErrCodeEnhanceYourCalm, "too many streams reset")
		}
		s.abortLocked(ErrStreamReset)
		c.closeStreamLocked(s)
	}
	return err
}

// streamErrorLocked handles a stream error (RFC 9113 §5.4.2).
func (c *ServerConn) streamErrorLocked(se StreamError) error {
	if se.StreamID > c.maxClientID {
		// RFC 9113 §6.4: RST_STREAM is never sent for an idle stream, so
		// a stream error there (a PRIORITY of the wrong size, a
		// WINDOW_UPDATE of 0, which §5.1 makes a PROTOCOL_ERROR anyway)
		// ends the connection with the same code.
		return connError(se.Code, se.Reason+" on an idle stream")
	}
	return c.resetStreamLocked(se.StreamID, se.Code, true)
}

// closeStreamLocked moves s to closed and forgets it.
func (c *ServerConn) closeStreamLocked(s *Stream) {
	s.state = stateClosed
	if s.inMap {
		s.inMap = false
		delete(c.streams, s.id)
		// Unread body no longer holds the connection window.
		if n := len(s.in) - s.inOff; n > 0 {
			s.in, s.inOff = s.in[:0], 0
			c.consumeLocked(nil, uint32(n))
		}
		if len(c.streams) == 0 {
			c.nc.SetReadDeadline(time.Now().Add(c.cfg.IdleTimeout))
		}
		c.wake.Signal()
	}
	c.maybeReleaseLocked(s)
}

// halfCloseLocalLocked records that END_STREAM was written for s.
func (c *ServerConn) halfCloseLocalLocked(s *Stream) {
	s.sentEnd = true
	switch s.state {
	case stateOpen:
		s.state = stateHalfClosedLocal
		if s.handlerDone {
			// RFC 9113 §8.1: a complete response before the request
			// ended: RST_STREAM NO_ERROR tells the client to stop sending.
			c.ctrl = AppendRSTStream(c.ctrl, s.id, ErrCodeNo)
			c.ctrlCount++
			c.closeStreamLocked(s)
		}
	case stateHalfClosedRemote:
		c.closeStreamLocked(s)
	}
	s.cond.Broadcast()
}

// halfCloseRemoteLocked records END_STREAM from the client.
func (c *ServerConn) halfCloseRemoteLocked(s *Stream) {
	s.inEOF = true
	s.cond.Broadcast()
	switch s.state {
	case stateOpen:
		s.state = stateHalfClosedRemote
	case stateHalfClosedLocal:
		c.closeStreamLocked(s)
	}
}

var streamPool = sync.Pool{New: func() any { return new(Stream) }}

func (c *ServerConn) newStream(id uint32) *Stream {
	var s *Stream
	if raceEnabled {
		s = new(Stream)
	} else {
		s = streamPool.Get().(*Stream)
	}
	in, out := s.in[:0], s.out[:0]
	req, tr, hdr := s.req, s.trailers, s.hdr
	req.reset()
	tr.reset()
	hdr.reset()
	*s = Stream{c: c, id: id, in: in, out: out, req: req, trailers: tr, hdr: hdr, contentLength: -1}
	s.cond.L = &c.mu
	s.recvWin = newRecvWindow(c.cfg.Limits.StreamWindow)
	if !c.settingsAcked && s.recvWin.avail < initialWindow {
		// RFC 9113 §6.9.2: until our SETTINGS are acknowledged the client
		// may use the initial window of 65535; a smaller StreamWindow
		// applies from the ACK on.
		s.recvWin.avail = initialWindow
	}
	s.sendWin = sendWindow{n: int64(c.peer.initialWindowSize)}
	return s
}

// maybeReleaseLocked returns s to the pool once nothing refers to it.
func (c *ServerConn) maybeReleaseLocked(s *Stream) {
	if s.inMap || !s.handlerDone || s.queued || s.released.Load() {
		return
	}
	s.released.Store(true)
	if raceEnabled {
		// Strings a handler kept now read as NULs instead of another
		// request's bytes: the misuse shows in tests.
		clear(s.req.buf[:cap(s.req.buf)])
		clear(s.trailers.buf[:cap(s.trailers.buf)])
		return
	}
	streamPool.Put(s)
}

// maxIdleWorkers bounds the handler goroutines a connection keeps waiting
// for its next stream.
const maxIdleWorkers = 32

// startHandlerLocked runs s's handler on an idle worker or a new one.
func (c *ServerConn) startHandlerLocked(s *Stream) {
	select {
	case c.work <- s:
	default:
		c.workers.Add(1)
		go c.worker(s)
	}
}

// worker runs handlers: s first, then streams handed over by
// startHandlerLocked while it waits idle.
func (c *ServerConn) worker(s *Stream) {
	defer c.workers.Done()
	for {
		c.runHandler(s, s.handler)
		c.mu.Lock()
		if c.idleWorkers >= maxIdleWorkers || c.closed {
			c.mu.Unlock()
			return
		}
		c.idleWorkers++
		c.mu.Unlock()
		select {
		case s = <-c.work:
		case <-c.workQuit:
			return
		}
		c.mu.Lock()
		c.idleWorkers--
		c.mu.Unlock()
	}
}

// runHandler runs h for s and ends the response when it returns.
func (c *ServerConn) runHandler(s *Stream, h Handler) {
	defer c.handlersDone.Done()
	defer func() {
		p := recover()
		c.mu.Lock()
		if p != nil {
			c.cfg.Logger.Error("http2 handler panic", "stream", s.id, "panic", p)
			if s.state != stateClosed {
				c.resetStreamLocked(s.id, ErrCodeInternal, false)
			}
		} else if s.resetErr == nil {
			c.endResponseLocked(s)
		}
		s.handlerDone = true
		s.bodyClosed = true
		if n := len(s.in) - s.inOff; n > 0 {
			s.in, s.inOff = s.in[:0], 0
			c.consumeLocked(s, uint32(n))
		}
		if s.sentEnd && s.state == stateHalfClosedLocal {
			// RFC 9113 §8.1: the response is complete but the request is
			// not: stop the client sending it.
			c.ctrl = AppendRSTStream(c.ctrl, s.id, ErrCodeNo)
			c.ctrlCount++
			c.closeStreamLocked(s)
		}
		c.handlers--
		if c.handlers == 0 && len(c.streams) == 0 {
			c.nc.SetReadDeadline(time.Now().Add(c.cfg.IdleTimeout))
		}
		c.wake.Signal()
		c.maybeReleaseLocked(s)
		c.mu.Unlock()
	}()
	h.ServeStream(s)
}
