package httpserver

import (
	"sync/atomic"
	"time"
)

// Noticing that a client went away while its handler runs needs a read on
// the socket, which is only safe once the request body has been consumed
// and nothing else is buffered. The watch starts only when a handler has
// asked for its context (no cost otherwise); it reads one byte in the
// background: EOF or an error cancels the context, a byte (the start of a
// pipelined request) is kept for the next request.

// clientWatch is the background read of one exchange.
type clientWatch struct {
	eligible atomic.Bool // the body is consumed and no input is buffered
	// wanted: the handler asked for its context. Set under conn.ctxMu
	// before a watch can start, cleared only once none runs; atomic so
	// that an exchange whose handler never asked (the usual case) skips
	// the mutex in inputDrained and stopWatch: each stores eligible
	// before it loads wanted, and context stores wanted before it loads
	// eligible, so one of them sees the other's store.
	wanted  atomic.Bool
	running bool // guarded by conn.ctxMu
	done    chan struct{}
	b       [1]byte
	got     bool
}

// reset forgets the watch's state, keeping its channel, for a connIO going
// to another connection; no watch may be running.
func (w *clientWatch) reset() {
	w.eligible.Store(false)
	w.wanted.Store(false)
	w.running, w.got = false, false
}

// inputDrained records that the request's input is fully consumed, and
// starts the watch if a handler already asked for the context. It runs on
// the goroutine that reads the body.
func (c *conn) inputDrained() {
	if c.rpos != c.rend || c.watch.eligible.Load() {
		return
	}
	c.watch.eligible.Store(true)
	if !c.watch.wanted.Load() {
		return // context starts the watch if asked later
	}
	c.ctxMu.Lock()
	defer c.ctxMu.Unlock()
	if c.cctx != nil {
		c.startWatchLocked()
	}
}

// startWatchLocked starts the background read; c.ctxMu is held.
func (c *conn) startWatchLocked() {
	if c.watch.running || !c.watch.wanted.Load() || !c.watch.eligible.Load() || c.state.Load() != stateActive {
		return
	}
	if c.watch.done == nil {
		c.watch.done = make(chan struct{}, 1)
	}
	c.watch.running = true
	c.watch.got = false
	// The watch reads under the body's deadline, as a body read would;
	// stopWatch replaces it, so it is not remembered (see deadlines.go).
	if !c.rdl.own.Load() {
		from := c.rdl.start
		if from.IsZero() {
			from = time.Now() // a request without a body did not need it
		}
		c.nc.SetReadDeadline(deadlineAfter(from, c.srv.cfg.timeouts.Read))
	}
	go c.watchClient()
}

func (c *conn) watchClient() {
	n, err := c.nc.Read(c.watch.b[:])
	switch {
	case n == 1:
		c.watch.got = true
	case err != nil && !isTimeout(err):
		c.cancelContext() // the client closed or reset the connection
	}
	c.watch.done <- struct{}{}
}

// stopWatch ends the background read before the connection reads or is
// handed over again, keeping a byte it may have received.
func (c *conn) stopWatch() {
	c.watch.eligible.Store(false)
	if !c.watch.wanted.Load() {
		return // no watch was asked for, so none runs
	}
	c.ctxMu.Lock()
	running := c.watch.running
	c.watch.running = false
	c.watch.wanted.Store(false)
	c.ctxMu.Unlock()
	if !running {
		return
	}
	c.nc.SetReadDeadline(aLongTimeAgo)
	c.forgetReadDeadline()
	<-c.watch.done
	if c.watch.got {
		// rpos == rend held when the watch started.
		c.rbuf[0] = c.watch.b[0]
		c.rpos, c.rend = 0, 1
	}
}

// aLongTimeAgo is a deadline in the past, to interrupt a blocked read.
var aLongTimeAgo = time.Unix(1, 0)
