package httpserver

import (
	"context"
	"errors"
	"net"
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
	remoteAddr peerAddr // see remoteString
	state      atomic.Int32
	served     uint32 // requests served, saturating

	ctxMu sync.Mutex
	cctx  *connContext // created on first use; guarded by ctxMu

	*connIO

	// partial is the part of a request head that an evented connection
	// parked with instead of its connIO (see keepPartialHead).
	partial *partialHead

	idleUntil atomic.Int64 // unix ns when a parked connection times out; 0: never

	evented     bool
	lingering   bool  // half-closed, reading on before the close (evented)
	lingerWaits uint8 // lingerTimeout extensions used (lingering_close.go)
	tlsReady    bool  // the TLS handshake is done; false over plain TCP

	connSetSlot // in the Server's set; guarded by srv.mu
}

// connContext is the connection's context, made when a handler first
// asks for it (or registers OnShutdown) and cancelled when the
// connection closes, with the rare per-connection state that goes with
// it.
type connContext struct {
	ctx    context.Context
	cancel context.CancelFunc

	// onShutdown is the running handler's OnShutdown callback; Shutdown
	// takes it (see notifyShutdown).
	onShutdown func()
}

// connIO is the part of a connection that holds request and response
// bytes.
type connIO struct {
	rbuf       []byte // received bytes; unread ones are rbuf[rpos:rend]
	rpos, rend int
	wbuf       []byte // response bytes not yet written to the socket
	werr       error  // sticky write error
	wclock     writeClock
	rdl        readDeadlines
	head       []byte // copy of the current request head; request strings alias it
	kept       []byte // copies of trailer lines; request strings alias it
	scanner    headScanner
	ex         *h1Exchange
	watch      clientWatch // guarded by conn.ctxMu where noted

	// respStart is where the current response begins in wbuf (earlier
	// pipelined answers may be queued before it); respOut records that
	// bytes of the current response's header or body may have reached
	// the client. A handler panic uses them to keep the earlier answers
	// and, while respOut is false, to still answer 500.
	respStart int
	respOut   bool

	closeWhy   closeReason // why the connection closes after this exchange; see keepAlive
	bodyUnread bool        // the last request's body was not read to its end

	// lent holds what a goroutine- or pool-engine connection lends while
	// it waits for its next request (see lendIdleBuffers).
	lent *connBuffers

	peer peerCache // the connection's address for requests (remoteString)
}

func newConn(s *Server, nc net.Conn) *conn {
	c := &conn{
		srv: s,
		nc:  nc,
		connIO: &connIO{
			rbuf: make([]byte, readBufferSize),
			wbuf: make([]byte, 0, writeBufferSize),
			ex:   new(h1Exchange),
		},
	}
	c.remoteAddr = peerOf(nc.RemoteAddr())
	return c
}

// context returns the connection's context, cancelled when it closes.
func (c *conn) context() context.Context {
	c.ctxMu.Lock()
	defer c.ctxMu.Unlock()
	c.makeContextLocked()
	c.watch.wanted.Store(true)
	c.startWatchLocked()
	return c.cctx.ctx
}

// makeContextLocked makes the connection's context if none was made;
// c.ctxMu is held.
func (c *conn) makeContextLocked() {
	if c.cctx == nil {
		ctx, cancel := context.WithCancel(context.Background())
		c.cctx = &connContext{ctx: ctx, cancel: cancel}
		if c.state.Load() == stateClosed {
			cancel()
		}
	}
}

// cancelContext cancels the connection's context, if one was made.
func (c *conn) cancelContext() {
	c.ctxMu.Lock()
	defer c.ctxMu.Unlock()
	if c.cctx != nil {
		c.cctx.cancel()
	}
}

// serve runs the request loop of a connection on its own goroutine
// (goroutine and pool engines) until the connection ends.
func (c *conn) serve() {
	defer c.closeAndForget()
	if !c.handshakeTLS() {
		return
	}
	for c.serveNext() {
	}
}

// serveNext reads the next request, waiting for it if none is buffered,
// serves it, and reports whether the connection goes on (see
// afterExchange). Every engine's loop is made of it.
func (c *conn) serveNext() bool {
	if !c.readRequest() {
		return false
	}
	c.serveExchange()
	return c.afterExchange()
}

// Ending a connection asks two things: who closes the socket, and who
// forgets the connection (removes it from the Server's tracking, read by
// Stats, Limits.MaxConns and Shutdown). The goroutine serving a
// connection does both, with closeAndForget. The Server, under its mutex,
// closes connections in Shutdown (shutdown: the idle ones) and Close
// (closeNow: all); a connection with a goroutine of its own is forgotten
// by that goroutine once its read or write fails, but a parked epoll
// connection has none: those two close it with closeParked and report
// that the Server must forget it. The epoll loop itself ends parked
// connections it found dead, timed out or over capacity with
// closeParkedAndForget.

// closeAndForget ends the connection on the goroutine serving it: it
// forgets it, closes the socket (unless hijacked: that belongs to the
// handler now) and, for an evented connection, returns its buffers. It
// forgets first: a client that has seen the close must find the
// connection gone from Stats and the open-connections gauge.
func (c *conn) closeAndForget() {
	if c.lingering && c.parkLingering() {
		return
	}
	c.srv.trackConn(c, false)
	if c.state.Load() != stateHijacked {
		c.state.Store(stateClosed)
		c.closeTransport()
	}
	c.cancelContext()
	if c.evented {
		c.releaseBuffers()
	}
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
	c.closeWhy = 0
	c.kept = c.kept[:0]
	// The header and body read deadlines count from here; they are set
	// only before a read that may block, and the clock is read only then
	// or for a body (see deadlines.go).
	c.beginReadDeadlines()

	n, err := c.readHead()
	if err != nil {
		c.reject(err)
		return false
	}
	headStart := c.rpos + c.scanner.start
	c.head = append(c.head[:0], c.rbuf[headStart:c.rpos+n]...)
	c.rpos += n

	if c.isH2CPreface() {
		c.serveH2CPreface()
		return false
	}
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
	r.RemoteAddr = c.remoteString()
	r.TLS = c.tlsStateFor(ex)
	r.src = c
	r.Trailer = &ex.trailer
	ex.body.init(c, f, r.Trailer)
	r.Body = &ex.body
	ex.res.init(c, r)
	if !f.keepAlive {
		c.mustClose(closeRequested)
	}
	c.rdl.phase = readingBody
	if f.kind != bodyNone && c.rdl.start.IsZero() {
		c.rdl.start = time.Now() // Timeouts.Read counts from here
	}
	c.startWriteClock()
	return true
}

// waitForRequest blocks until the first byte of a request arrives, as an
// idle connection that Shutdown may close.
func (c *conn) waitForRequest() bool {
	if c.flush() != nil {
		return false
	}
	c.rpos, c.rend = 0, 0
	c.armIdleReadDeadline(time.Now(), c.idleTimeout())
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
	// won, the connection is going away: it was half-closed, and what the
	// client still sends is read and discarded until it closes or the
	// read deadline Shutdown set passes (see conn.shutdown).
	if !c.state.CompareAndSwap(stateIdle, stateActive) {
		for err == nil {
			_, err = c.nc.Read(c.rbuf)
		}
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

// shutdownIdleGrace is how long into a Shutdown a connection waiting for
// a request is left open. A client that has just connected, or whose last
// response did not announce the close, sends its next request soon and
// gets it answered with "Connection: close" instead of finding the
// connection closed under it (RFC 9112 §9.6: a client cannot tell that
// close from a failure, and retries only idempotent requests). A
// connection still waiting after the grace is closed.
const shutdownIdleGrace = time.Second

// shutdown implements trackedConn for Shutdown: it closes the connection
// if it is waiting for a request, elapsed into the shutdown, unless a
// request may be on its way: within shutdownIdleGrace, or with input
// already in the socket (closing would also reset the connection,
// destroying a response in flight). One in the middle of an exchange
// finishes it, announcing "Connection: close" (see keepAlive), and then
// closes. It reports true when the Server must forget the connection: a
// parked evented one has no goroutine that would.
//
// A running handler that registered OnShutdown is told.
//
// The close is in stages (see lingeringClose): a request may be on the
// wire while the client has not read all of the last response, which a
// reset would destroy. The connection is half-closed and its reader reads
// on for lingerTimeout: the goroutine blocked in waitForRequest, or the
// event loop for a parked evented connection.
func (c *conn) shutdown(elapsed time.Duration) (serverForgets bool) {
	if st := c.state.Load(); st == stateActive || st == stateHijacked {
		c.notifyShutdown() // a handler running long may have asked
	}
	if elapsed < shutdownIdleGrace || c.state.Load() != stateIdle || hasPendingInput(c.nc) {
		return false
	}
	if c.evented {
		return c.shutdownParked()
	}
	if c.state.CompareAndSwap(stateIdle, stateClosed) {
		if cw, ok := c.nc.(closeWriter); ok && cw.CloseWrite() == nil {
			c.nc.SetReadDeadline(time.Now().Add(lingerTimeout))
		} else {
			c.nc.Close()
		}
	}
	return false
}

// shutdownParked is shutdown for a parked evented connection: it
// half-closes it and leaves it parked, lingering (see parkLingering), for
// the event loop to close.
func (c *conn) shutdownParked() (serverForgets bool) {
	if !c.state.CompareAndSwap(stateIdle, stateActive) {
		return false // the event loop took it meanwhile
	}
	if !c.lingering { // else half-closed already, by an earlier call
		cw, ok := c.nc.(closeWriter)
		if !ok || cw.CloseWrite() != nil {
			c.state.Store(stateClosed)
			c.closeParked()
			return true
		}
		c.lingering = true
		c.cancelContext()
		c.releaseBuffers()
		c.setIdleDeadline(time.Now(), lingerTimeout)
	}
	c.state.Store(stateIdle)
	if hasPendingInput(c.nc) {
		// Input may have arrived while this held the connection, and the
		// loop, finding it busy, left it. Read it on a goroutine of its
		// own: the caller holds the Server's mutex, which closing takes.
		go c.socket().(eventSource).armRead()
	}
	return false
}

// closeNow implements trackedConn for Close: it closes the connection
// whatever it is doing, except a hijacked one, which belongs to its
// handler. It reports true when the Server must forget the connection
// (see shutdown).
func (c *conn) closeNow() (serverForgets bool) {
	for {
		st := c.state.Load()
		if st == stateHijacked || st == stateClosed {
			return false
		}
		if c.state.CompareAndSwap(st, stateClosed) {
			c.nc.Close()
			c.cancelContext()
			if st == stateIdle && c.evented {
				c.closeParked()
				return true
			}
			return false
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
