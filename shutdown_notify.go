package httpserver

// shutdownRegistrar is implemented by writers that can tell their
// handler of a graceful Shutdown (see ResponseController.OnShutdown).
type shutdownRegistrar interface {
	OnShutdown(f func()) error
}

// OnShutdown registers f to be called, once and on a goroutine of its
// own, if the server's graceful Shutdown begins while the handler is
// still running (at once if it has begun already). It is for handlers
// that serve long: one that hijacked its connection and serves it until
// it ends (a WebSocket: send a close frame), or one streaming a
// response. Shutdown waits for the handler to return, as for any handler
// in flight, until its context ends. A later call replaces f; once the
// handler returns, f is no longer called. HTTP/1 and HTTP/2 (where the
// connection's GOAWAY lets the stream run on) both support it; it fails
// with ErrNotSupported when no writer in the chain does.
func (c ResponseController) OnShutdown(f func()) error {
	if r, ok := find[shutdownRegistrar](c.rw); ok {
		return r.OnShutdown(f)
	}
	return ErrNotSupported
}

// OnShutdown implements shutdownRegistrar for HTTP/1.
func (w *response) OnShutdown(f func()) error {
	w.checkLive()
	c := w.c
	c.ctxMu.Lock()
	c.makeContextLocked()
	c.cctx.onShutdown = f
	c.ctxMu.Unlock()
	w.onShutdownSet = true
	if c.srv.shuttingDown() {
		c.notifyShutdown()
	}
	return nil
}

// notifyShutdown calls the running handler's OnShutdown callback, once,
// on a goroutine of its own: the Server calls it with its mutex held.
func (c *conn) notifyShutdown() {
	c.ctxMu.Lock()
	var f func()
	if c.cctx != nil {
		f, c.cctx.onShutdown = c.cctx.onShutdown, nil
	}
	c.ctxMu.Unlock()
	if f != nil {
		go f()
	}
}

// forgetOnShutdown drops the callback of a handler that returned.
func (c *conn) forgetOnShutdown() {
	c.ctxMu.Lock()
	if c.cctx != nil {
		c.cctx.onShutdown = nil
	}
	c.ctxMu.Unlock()
}
