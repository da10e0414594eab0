package websocket

import (
	"context"
	"sync/atomic"
)

// ctxWatch closes the connection when a context ends while a read or a
// write runs under it, for one direction (reads or writes, each with one
// operation at a time). It keeps its registration (context.AfterFunc) on
// the last context it watched and only arms and disarms it per operation,
// so that a loop passing the same context to every Read or Write
// registers once instead of once per call: a registration on a
// cancellable context takes its lock twice and allocates.
//
// ctx and gen are owned by whoever holds the direction's lock (readMu or
// writeFrameMu); reg by Conn.watchMu.
type ctxWatch struct {
	ctx    context.Context
	gen    uint64
	reg    func() bool   // unregisters from ctx
	state  atomic.Uint64 // gen<<1, | 1 while an operation runs under ctx
	disarm func() bool   // handed out as the stop function; made once
}

// noStop is the stop function of a context that never ends.
func noStop() bool { return true }

// watchRead is watch for the read direction; readMu is held.
func (c *Conn) watchRead(ctx context.Context) (stop func() bool) { return c.watchFor(&c.rw, ctx) }

// watchWrite is watch for the write direction; writeFrameMu is held.
func (c *Conn) watchWrite(ctx context.Context) (stop func() bool) { return c.watchFor(&c.ww, ctx) }

// watchFor arms w for an operation under ctx and returns the function
// that disarms it. A context that can never end costs nothing.
func (c *Conn) watchFor(w *ctxWatch, ctx context.Context) (stop func() bool) {
	if ctx.Done() == nil {
		return noStop
	}
	if w.disarm == nil {
		w.disarm = func() bool { w.state.Store(w.gen << 1); return true }
	}
	if ctx != w.ctx {
		c.watchMu.Lock()
		if w.reg != nil {
			w.reg()
			w.reg = nil
		}
		w.ctx = ctx
		w.gen++
		gen := w.gen
		w.state.Store(gen << 1)
		if !c.watchEnded {
			// The callback acts only if this registration is still the
			// current one and armed: one atomic word holds both, so a
			// callback of an earlier context cannot close the connection
			// under an operation of the next one.
			w.reg = context.AfterFunc(ctx, func() {
				if w.state.Load() == gen<<1|1 {
					c.CloseNow()
				}
			})
		}
		c.watchMu.Unlock()
	}
	w.state.Store(w.gen<<1 | 1)
	// The context may have ended while disarmed, its callback then doing
	// nothing: checked after arming, so one of the two sees it.
	if ctx.Err() != nil {
		c.CloseNow()
	}
	return w.disarm
}

// endWatches drops the registrations of both directions, so that a
// long-lived context does not keep a closed connection reachable. Called
// once, by CloseNow.
func (c *Conn) endWatches() {
	c.watchMu.Lock()
	defer c.watchMu.Unlock()
	c.watchEnded = true
	for _, w := range []*ctxWatch{&c.rw, &c.ww} {
		if w.reg != nil {
			w.reg()
			w.reg = nil
		}
	}
}
