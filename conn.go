package httpserver

import (
	"context"
	"errors"
	"math"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Connection states, for graceful shutdown.
const (
	stateIdle     int32 = iota // waiting for the first byte of a request
	stateActive                // reading, handling or answering a request
	stateHijacked              // handed over to a handler
	stateClosed
)

// Buffer sizes of a connection.
const (
	readBufferSize  = 4 << 10
	writeBufferSize = 4 << 10
	// maxPendingWrite is how much response data may wait in the write
	// buffer, e.g. answers to pipelined requests, before it is sent.
	maxPendingWrite = 64 << 10
)

// conn serves the HTTP/1.1 requests of one client connection, one at a
// time, in order. What it needs only while bytes are in flight is in
// *connIO, which an evented connection (EngineEpoll) borrows from a pool
// and gives back when it parks with nothing buffered: a parked connection
// is this struct alone (see conn_evented.go). Touching a connIO field of
// a parked connection dereferences nil, loudly.
//
// Fields are ordered so that the struct fits a 96-byte allocation: it is
// all an idle evented connection costs, with its fdConn.
type conn struct {
	srv        *Server
	nc         net.Conn
	remoteAddr string
	state      atomic.Int32
	evented    bool
	timedOut   bool   // the request head did not arrive in time: answer 408
	served     uint32 // requests served, saturating

	ctxMu sync.Mutex
	cctx  *connContext // created on first use; guarded by ctxMu

	*connIO

	idleUntil atomic.Int64 // unix ns when a parked connection times out; 0: never
}

// connContext is the connection's context, made when a handler first
// asks for it and cancelled when the connection closes.
type connContext struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// connIO is the part of a connection that holds request and response
// bytes.
type connIO struct {
	rbuf       []byte // received bytes; unread ones are rbuf[rpos:rend]
	rpos, rend int
	wbuf       []byte // response bytes not yet written to the socket
	werr       error  // sticky write error
	wclock     writeClock
	head       []byte // copy of the current request head; request strings alias it
	kept       []byte // copies of trailer lines; request strings alias it
	scanner    headScanner
	ex         *exchange
	watch      clientWatch // guarded by conn.ctxMu where noted

	// respStart is where the current response begins in wbuf (earlier
	// pipelined answers may be queued before it); respOut records that
	// bytes of the current response's header or body may have reached
	// the client. A handler panic uses them to keep the earlier answers
	// and, while respOut is false, to still answer 500.
	respStart int
	respOut   bool

	closeConn  bool
	bodyUnread bool // the last request's body was not read to its end

	// lent holds what a goroutine- or pool-engine connection lends while
	// it waits for its next request (see lendIdleBuffers).
	lent *connBuffers
}

func newConn(s *Server, nc net.Conn) *conn {
	c := &conn{
		srv: s,
		nc:  nc,
		connIO: &connIO{
			rbuf: make([]byte, readBufferSize),
			wbuf: make([]byte, 0, writeBufferSize),
			ex:   new(exchange),
		},
	}
	if a := nc.RemoteAddr(); a != nil {
		c.remoteAddr = a.String()
	}
	return c
}

// context returns the connection's context, cancelled when it closes.
func (c *conn) context() context.Context {
	c.ctxMu.Lock()
	defer c.ctxMu.Unlock()
	if c.cctx == nil {
		ctx, cancel := context.WithCancel(context.Background())
		c.cctx = &connContext{ctx, cancel}
		if c.state.Load() == stateClosed {
			cancel()
		}
	}
	c.watch.wanted = true
	c.startWatchLocked()
	return c.cctx.ctx
}

// cancelContext cancels the connection's context, if one was made.
func (c *conn) cancelContext() {
	c.ctxMu.Lock()
	defer c.ctxMu.Unlock()
	if c.cctx != nil {
		c.cctx.cancel()
	}
}

// serve runs the request loop until the connection closes.
func (c *conn) serve() {
	defer c.finish()
	for {
		ok := c.readRequest()
		if !ok {
			return
		}
		c.serveExchange()
		if c.state.Load() == stateHijacked {
			return
		}
		if c.closeConn {
			c.flush()
			// Only input the server left unread can make the kernel
			// reset the connection and destroy the response; a clean
			// "Connection: close" exchange closes at once.
			if c.rpos < c.rend || c.bodyUnread {
				c.lingeringClose()
			}
			return
		}
		// A server shutting down answered this request before it began
		// (else the response announced the close): the client may send
		// another, so the connection waits as idle, for Shutdown to
		// close (see closeIfIdle).
	}
}

// finish forgets the connection and closes the socket (unless hijacked).
// It forgets first: a client that has seen the close must find the
// connection gone from Stats and the open-connections gauge.
func (c *conn) finish() {
	c.srv.trackConn(c, false)
	if c.state.Load() != stateHijacked {
		c.state.Store(stateClosed)
		c.nc.Close()
	}
	c.cancelContext()
}

// readRequest reads and parses the next request head. On a bad request it
// answers with an error response and reports false; it also reports false
// when the client closed, went idle too long, or the server is stopping.
func (c *conn) readRequest() bool {
	c.scanner.reset()
	if c.rpos == c.rend {
		if !c.waitForRequest() {
			return false
		}
	} else {
		c.state.Store(stateActive)
	}
	// The exchange is taken after the wait: a waiting connection lends
	// it out (see lendIdleBuffers).
	ex := c.ex
	ex.begin()
	c.kept = c.kept[:0]
	start := time.Now()
	c.setReadDeadline(start, c.srv.cfg.timeouts.ReadHeader)

	n, err := c.readHead()
	if err != nil {
		c.reject(err)
		return false
	}
	headStart := c.rpos + c.scanner.start
	c.head = append(c.head[:0], c.rbuf[headStart:c.rpos+n]...)
	c.rpos += n

	r := &ex.req
	if err := parseHead(c.head, r); err != nil {
		c.reject(err)
		return false
	}
	f, err := analyzeHead(r)
	if err != nil {
		c.reject(err)
		return false
	}
	// The declared length is known up front: refuse an oversized body
	// before the handler runs (RFC 9110 §15.5.14), without reading it.
	if f.kind == bodyLength && f.length > c.srv.cfg.limits.MaxBodyBytes {
		c.reject(&ProtocolError{Status: StatusRequestEntityTooLarge, Reason: "Content-Length exceeds the limit", Err: ErrBodyTooLarge})
		return false
	}
	r.RemoteAddr = c.remoteAddr
	r.src = c
	ex.trailer.Reset()
	r.Trailer = &ex.trailer
	ex.body.init(c, f, r.Trailer)
	r.Body = &ex.body
	ex.res.init(c, r)
	c.closeConn = !f.keepAlive
	c.setReadDeadline(start, c.srv.cfg.timeouts.Read)
	c.startWriteClock(time.Now())
	return true
}

// waitForRequest blocks until the first byte of a request arrives, as an
// idle connection that Shutdown may close.
func (c *conn) waitForRequest() bool {
	if c.flush() != nil {
		return false
	}
	c.rpos, c.rend = 0, 0
	timeout := c.srv.cfg.timeouts.Idle
	if c.served == 0 {
		timeout = c.srv.cfg.timeouts.ReadHeader
	}
	c.setReadDeadline(time.Now(), timeout)
	c.state.Store(stateIdle)
	if len(c.rbuf) > readBufferSize {
		// A large head grew the buffer; a waiting connection goes back to
		// the standard size rather than hold up to MaxHeaderBytes.
		c.rbuf = make([]byte, readBufferSize)
	}
	c.lendIdleBuffers()
	n, err := c.nc.Read(c.rbuf)
	c.reclaimIdleBuffers()
	if n == 0 || err != nil && n == 0 {
		return false
	}
	// Shutdown closes idle connections with a CAS to stateClosed; if it
	// won, the connection is going away.
	if !c.state.CompareAndSwap(stateIdle, stateActive) {
		return false
	}
	c.rend = n
	return true
}

// readHead reads until the request head is complete and returns its length
// from c.rpos.
func (c *conn) readHead() (int, error) {
	lim := &c.srv.cfg.limits
	for {
		n, err := c.scanner.scan(c.rbuf[c.rpos:c.rend], lim)
		if err != nil || n > 0 {
			return n, err
		}
		if err := c.fill(); err != nil {
			if errors.Is(err, errBufferFull) {
				return 0, errHeaderTooLarge
			}
			if isTimeout(err) {
				return 0, errHeadTimeout
			}
			return 0, err
		}
	}
}

// serveExchange runs the handler for the parsed request and completes the
// response.
func (c *conn) serveExchange() {
	ex := c.ex
	if c.served < math.MaxUint32 {
		c.served++
	}
	// Whether the input is drained is decided afresh for each exchange:
	// discarding the last request's unread body may have set it while
	// this request's bytes were still to come.
	c.watch.eligible.Store(false)
	if ex.body.done {
		c.inputDrained()
	}
	c.respStart, c.respOut = len(c.wbuf), false
	ok := c.callHandler(&ex.res, &ex.req)
	if c.state.Load() != stateHijacked {
		c.stopWatch()
		if ok {
			c.completeExchange()
		}
	}
	c.bodyUnread = !ex.body.done
	c.endExchange()
}

// endExchange takes the exchange back from the handler. In race-detector
// builds the connection also drops it, so that a handler that kept the
// Request or ResponseWriter panics on its next use, and clears the head
// bytes, so that a kept string visibly changes.
func (c *conn) endExchange() {
	c.ex.release()
	if raceEnabled {
		clear(c.head)
		c.head, c.kept = nil, nil
		c.ex = new(exchange)
	}
}

// callHandler runs the handler, turning a panic into a 500 (or a closed
// connection when the response had started). It reports whether the
// exchange can be completed normally.
func (c *conn) callHandler(w *response, r *Request) (ok bool) {
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		ok = false
		c.closeConn = true
		if c.state.Load() == stateHijacked {
			return
		}
		if p != ErrAbortHandler {
			c.srv.cfg.logger.Error("httpserver: panic serving request",
				"remote", c.remoteAddr, "method", r.Method, "target", r.Target,
				"panic", p, "stack", string(debug.Stack()))
		}
		// Answers to earlier pipelined requests still queued are kept;
		// what this response queued is dropped.
		c.wbuf = c.wbuf[:c.respStart]
		if p == ErrAbortHandler || c.respOut {
			// A deliberate abort, or the client may have part of this
			// response already: closing the connection is the only way
			// to tell it something broke.
			return
		}
		w.reset()
		c.writeError(StatusInternalServerError, "")
	}()
	c.srv.cfg.handler.ServeHTTP(w, r)
	return true
}

// completeExchange finishes the response and prepares the connection for
// the next request: it answers a body error the handler ignored, and
// discards an unread body or decides to close.
func (c *conn) completeExchange() {
	ex := c.ex
	w, b := &ex.res, &ex.body
	if b.err != nil {
		c.closeConn = true
		if !w.committed {
			w.reset()
			c.writeError(StatusOf(b.err), "")
			return
		}
	}
	if !w.committed && !b.done && !b.canDiscard(c.srv.cfg.limits.MaxDiscardBytes) {
		c.closeConn = true // announce it: the response says "Connection: close"
	}
	w.finish()
	if c.closeConn || w.closeAfter {
		c.closeConn = true
		return
	}
	if !b.done && !b.discard(c.srv.cfg.limits.MaxDiscardBytes) {
		c.closeConn = true
	}
}

// shutdownIdleGrace is how long into a Shutdown a connection waiting for
// a request is left open. A client that has just connected, or whose last
// response did not announce the close, sends its next request soon and
// gets it answered with "Connection: close" instead of finding the
// connection closed under it (RFC 9112 §9.6: a client cannot tell that
// close from a failure, and retries only idempotent requests). A
// connection still waiting after the grace is closed.
const shutdownIdleGrace = time.Second

// closeIfIdle closes the connection if it is waiting for a request, elapsed
// into a Shutdown, unless a request may be on its way: within
// shutdownIdleGrace, or with input already in the socket (closing would
// also reset the connection, destroying a response in flight). It reports
// true when the caller must forget the connection: a parked evented
// connection has no goroutine that would.
func (c *conn) closeIfIdle(elapsed time.Duration) bool {
	if elapsed < shutdownIdleGrace || c.state.Load() != stateIdle || hasPendingInput(c.nc) {
		return false
	}
	if c.state.CompareAndSwap(stateIdle, stateClosed) {
		c.nc.Close()
		if c.evented {
			c.dropParked()
			return true
		}
	}
	return false
}

// forceClose closes the connection whatever it is doing. It reports true
// when the caller must forget the connection (see closeIfIdle).
func (c *conn) forceClose() bool {
	for {
		st := c.state.Load()
		if st == stateHijacked || st == stateClosed {
			return false // a hijacked connection belongs to its handler
		}
		if c.state.CompareAndSwap(st, stateClosed) {
			c.nc.Close()
			c.cancelContext()
			if st == stateIdle && c.evented {
				c.dropParked()
				return true
			}
			return false
		}
	}
}

func (c *conn) setReadDeadline(from time.Time, d time.Duration) {
	if d > 0 {
		c.nc.SetReadDeadline(from.Add(d))
	} else {
		c.nc.SetReadDeadline(time.Time{})
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
