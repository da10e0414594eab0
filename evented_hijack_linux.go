//go:build linux

package httpserver

import (
	"sync"

	"golang.org/x/sys/unix"
)

// eventedInput is how the epoll engine reads a connection taken over
// with HijackEvents: the connection's fdConn and the waiter it parks in
// the fdConn's read slot between events. The waiter works one-shot, as
// EPOLLONESHOT would: the first readiness (or close) takes it out of the
// slot and has serveInput run once, which reads the socket dry and parks
// the waiter again: on the event loop itself when the loop found the
// input and may serve in place (eventLoop.handle), else on one of the
// engine's eventRunners, goroutines kept between bursts. So one
// goroutine at most serves the connection at a time, and none while it
// waits.
type eventedInput struct {
	f      *fdConn
	waiter fdWaiter // hook: this connection
}

// eventBuffers holds the buffers evented connections read into while
// serving an event.
var eventBuffers = sync.Pool{New: func() any { return new([eventReadSize]byte) }}

// startEvented starts the evented reading of a plain TCP connection of
// the epoll engine, with the bytes received so far; it reports false for
// any other connection (TLS, other engines), which readLoop serves.
func (ec *eventedConn) startEvented() bool {
	f, ok := ec.Conn.(*fdConn)
	if !ok {
		return false
	}
	ec.f = f
	ec.waiter.hook = ec
	f.loop.e.runners.start(ec)
	return true
}

// readable is the waiter's hook, called with f.mu held by whoever found
// the socket ready or closed it (often the event loop, which must not
// run handler code): it takes the waiter out of the read slot, so that
// it fires once, and starts a goroutine to serve the input.
func (ec *eventedConn) readable() {
	if ec.f.rw == &ec.waiter {
		ec.f.rw = nil
	}
	ec.f.loop.e.runners.start(ec)
}

// serveInput delivers the pending bytes and what the socket holds to
// OnData, reading into a pooled buffer, then parks the connection again;
// on the end of input (or a closed or failed socket) it finishes the
// connection.
func (ec *eventedConn) serveInput() {
	ec.deliverPending()
	buf := eventBuffers.Get().(*[eventReadSize]byte)
	for {
		n, err := ec.f.readNow(buf[:])
		switch {
		case n > 0:
			ec.onData(buf[:n])
			continue
		case err == unix.EAGAIN:
			if ec.park() {
				eventBuffers.Put(buf)
				return
			}
			continue // input came, or the socket closed, meanwhile
		}
		eventBuffers.Put(buf)
		ec.finish(err)
		return
	}
}

// park puts the waiter in the read slot, after the socket was read dry,
// unless input was reported meanwhile (its edge will not come again) or
// the socket closed; then it reports false and the caller reads on.
func (ec *eventedConn) park() bool {
	f := ec.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	if f.rpend {
		f.rpend = false
		return false
	}
	f.rw = &ec.waiter
	return true
}
