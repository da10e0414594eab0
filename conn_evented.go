package httpserver

import (
	"sync"
	"time"
)

// connIOPool holds the connIO of evented connections (EngineEpoll): they
// borrow one when bytes arrive and give it back when they park with
// nothing buffered, so an idle keep-alive connection holds no buffer.
var connIOPool = sync.Pool{New: func() any {
	return &connIO{
		rbuf: make([]byte, readBufferSize),
		wbuf: make([]byte, 0, writeBufferSize),
		ex:   new(h1Exchange),
	}
}}

// connBuffers are what a connection of the goroutine or pool engine
// lends to idlePool while it waits for its next request.
type connBuffers struct {
	wbuf, head, kept []byte
	ex               *h1Exchange
}

// maxPooledHead is the largest head buffer kept in the pool; larger ones
// (from rare large heads) are left to the garbage collector.
const maxPooledHead = 16 << 10

// eventSource is the socket of an evented connection.
type eventSource interface {
	// armRead hands the connection, just marked idle, back to the event
	// loop; input that arrived while it was busy is read at once.
	armRead()
	// idleDeadlineSet tells the event loop of the connection's new idle
	// deadline (unix ns), so that it sweeps no later.
	idleDeadlineSet(until int64)
	// waitCount counts the socket's waits for readiness (reads and
	// writes), so that a clock reading can be known to be still recent.
	waitCount() uint32
}

// partialHead is what an evented connection parked in the middle of a
// request head keeps instead of its connIO: the bytes of the head that
// have arrived and how far the head scanner got through them. A client
// trickling a head so holds a slice the size of its bytes, not a read
// and a write buffer.
type partialHead struct {
	b       []byte
	scanner headScanner
}

// partialHeadPool holds partialHeads, with their bytes when small, so that
// heads arriving in a few pieces (as a large head may) make no garbage.
var partialHeadPool = sync.Pool{New: func() any { return new(partialHead) }}

// maxPooledPartial is the largest partialHead.b kept in the pool, so that
// a trickler given a pooled one holds no more than this until its head
// outgrows it.
const maxPooledPartial = 256

// borrowBuffers gives an evented connection its connIO: buffers and
// exchange, and the bytes and scanner state of the partial head it
// parked with, if any (see keepPartialHead).
func (c *conn) borrowBuffers() {
	if c.connIO == nil {
		c.connIO = connIOPool.Get().(*connIO)
	}
	if p := c.partial; p != nil && c.rend == 0 {
		// The connIO is a fresh one (rpos 0), and a partial head fits
		// it: the event loop hands a full buffer to a worker instead.
		c.rend = copy(c.rbuf, p.b)
		c.scanner = p.scanner
	}
}

// keepPartialHead parks the unread bytes of an evented connection, a
// partial request head, in c.partial, with the scanner's progress
// through them, and returns the connIO to the pool. borrowBuffers puts
// them back when more bytes arrive. The partialHead stays with the
// connection until the head is complete, so that a head trickled a byte
// at a time costs one append of the new bytes per event (the slice grows
// geometrically), not an allocation.
func (c *conn) keepPartialHead() {
	p := c.partial
	if p == nil {
		p = partialHeadPool.Get().(*partialHead)
		c.partial = p
	}
	buffered := c.rbuf[c.rpos:c.rend]
	if c.rpos != 0 || len(p.b) > len(buffered) {
		// Not what borrowBuffers left (it copies p.b to rbuf[0:]): keep
		// all of buffered, the scanner's offsets count from its start.
		p.b = p.b[:0]
	}
	// buffered begins with p.b, which borrowBuffers copied in: append
	// only what was read since.
	p.b = append(p.b, buffered[len(p.b):]...)
	p.scanner = c.scanner
	c.putConnIO()
}

// dropPartialHead forgets the partial head a connection parked with
// (complete now, or to be answered or closed).
func (c *conn) dropPartialHead() {
	p := c.partial
	if p == nil {
		return
	}
	c.partial = nil
	if cap(p.b) > maxPooledPartial {
		p.b = nil
	}
	p.b, p.scanner = p.b[:0], headScanner{}
	partialHeadPool.Put(p)
}

// releaseBuffers returns the connIO to the pool and forgets any partial
// head; nothing may be buffered.
func (c *conn) releaseBuffers() {
	c.dropPartialHead()
	c.putConnIO()
}

// putConnIO returns the connIO to the pool.
func (c *conn) putConnIO() {
	io := c.connIO
	if io == nil {
		return
	}
	c.connIO = nil
	io.reset()
	connIOPool.Put(io)
}

// reset readies io for another connection: nothing buffered, no error,
// and buffers grown by a large head or response replaced by standard ones.
func (io *connIO) reset() {
	if len(io.rbuf) != readBufferSize {
		io.rbuf = make([]byte, readBufferSize)
	}
	io.rpos, io.rend = 0, 0
	if cap(io.wbuf) > maxPendingWrite {
		io.wbuf = make([]byte, 0, writeBufferSize)
	}
	io.wbuf = io.wbuf[:0]
	io.werr = nil
	io.wclock.reset()
	io.rdl.set.known = false
	io.rdl.own.Store(false)
	io.head = trimPooled(io.head)
	io.kept = trimPooled(io.kept)
	io.scanner.reset()
	io.watch.reset()
	if io.ex == nil {
		io.ex = new(h1Exchange)
	}
	io.closeWhy, io.bodyUnread = 0, false
}

// trimPooled empties b for reuse, or drops it when a rare large head grew
// it past maxPooledHead.
func trimPooled(b []byte) []byte {
	if cap(b) > maxPooledHead {
		return nil
	}
	return b[:0]
}

// serveEvented runs on a worker when the event loop has found a complete
// request head (or an error) in the connection's buffer. It
// serves the buffered requests with the same serveNext as serve, then
// parks the connection back on the loop, or ends it.
func (c *conn) serveEvented() {
	if c.isTLS() {
		c.serveTLSEvented()
		return
	}
	if c.state.Load() == stateClosed {
		c.closeAndForget()
		return
	}
	for c.rpos < c.rend {
		if !c.serveNext() {
			c.closeAndForget()
			return
		}
	}
	if c.flush() != nil {
		c.closeAndForget()
		return
	}
	c.park()
}

// park hands an idle connection with nothing buffered back to the event
// loop, after which this goroutine must not touch it.
func (c *conn) park() {
	from := c.idleFrom()
	c.releaseBuffers()
	c.setIdleDeadline(from, c.idleTimeout())
	if !c.state.CompareAndSwap(stateActive, stateIdle) {
		// Server.Close closed it meanwhile and left it to its owner.
		c.closeAndForget()
		return
	}
	c.socket().(eventSource).armRead()
}

// parkLingering hands an evented connection that lingeringClose
// half-closed to its event loop, which discards what the client still
// sends until it closes or lingerTimeout passes (see
// eventLoop.discardLingering): the connection holds no buffer and no
// worker meanwhile. It reports false when the connection must be closed
// at once instead.
func (c *conn) parkLingering() bool {
	if c.state.Load() != stateActive {
		return false
	}
	c.cancelContext()
	c.releaseBuffers()
	c.setIdleDeadline(time.Now(), lingerTimeout)
	if !c.state.CompareAndSwap(stateActive, stateIdle) {
		return false // Server.Close closed it meanwhile
	}
	c.socket().(eventSource).armRead()
	return true
}

// setIdleDeadline sets when a parked connection is closed for idleness.
func (c *conn) setIdleDeadline(from time.Time, d time.Duration) {
	if d <= 0 {
		c.idleUntil.Store(0)
		return
	}
	until := from.Add(d).UnixNano()
	c.idleUntil.Store(until)
	c.socket().(eventSource).idleDeadlineSet(until)
}

// closeParked closes a parked connection (no worker holds it) whose state
// someone other than a worker switched to closed, and returns its
// buffers; the caller forgets it (see closeParkedAndForget).
func (c *conn) closeParked() {
	// The socket, not a TLS layer over it: a TLS close_notify is a write,
	// and the event loop, which calls this, must never wait on a socket.
	c.socket().Close()
	c.cancelContext()
	c.releaseBuffers()
}

// closeParkedAndForget ends a connection no worker holds, whose state its
// caller (the event loop) made closed: it closes it and forgets it.
func (c *conn) closeParkedAndForget() {
	c.closeParked()
	c.srv.trackConn(c, false)
}

// idlePool holds the write buffers and exchanges that connections of the
// goroutine and pool engines lend while they wait for their next request:
// such a connection keeps only its read buffer (and its goroutine) while
// idle.
var idlePool sync.Pool

// lendIdleBuffers puts the write buffer, head buffers and (outside race
// builds, which keep each exchange to catch its use after the handler
// returned) the exchange of a connection about to wait into idlePool.
func (c *conn) lendIdleBuffers() {
	h := c.lent
	if h == nil {
		h = new(connBuffers)
	}
	c.lent = nil
	h.wbuf, h.head, h.kept = c.wbuf[:0], trimPooled(c.head), trimPooled(c.kept)
	c.wbuf, c.head, c.kept = nil, nil, nil
	if !raceEnabled {
		h.ex, c.ex = c.ex, nil
	}
	idlePool.Put(h)
}

// reclaimIdleBuffers takes buffers (and an exchange) back from idlePool,
// keeping the holder for the next wait.
func (c *conn) reclaimIdleBuffers() {
	h, _ := idlePool.Get().(*connBuffers)
	if h == nil {
		h = &connBuffers{wbuf: make([]byte, 0, writeBufferSize)}
	}
	c.wbuf, c.head, c.kept = h.wbuf, h.head, h.kept
	if c.wbuf == nil {
		c.wbuf = make([]byte, 0, writeBufferSize)
	}
	if c.ex == nil {
		c.ex = h.ex
		if c.ex == nil {
			c.ex = new(h1Exchange)
		}
	}
	h.wbuf, h.head, h.kept, h.ex = nil, nil, nil, nil
	c.lent = h
}
