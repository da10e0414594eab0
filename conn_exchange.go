package httpserver

import (
	"crypto/tls"
	"math"
	"runtime/debug"
)

// h1Exchange is the per-request state of an HTTP/1 connection: the
// protocol-neutral exchange (the Request and its lifetime) with the
// HTTP/1 body reader and response writer. A connection reuses one for all
// its requests (race-detector builds excepted, see exchange).
type h1Exchange struct {
	exchange
	body body
	res  response
	tls  tls.ConnectionState // Request.TLS over TLS; see tlsStateFor
}

// release marks the request, its body and its response as no longer the
// handler's.
func (ex *h1Exchange) release() {
	ex.exchange.release()
	ex.body.released = true
	ex.res.released = true
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
	c.handlerReturned()
	if ex.res.onShutdownSet {
		c.forgetOnShutdown()
	}
	if ec := ex.res.evented; ec != nil {
		ex.res.evented = nil
		ec.start() // HijackEvents: the events begin now
	}
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
		c.ex = new(h1Exchange)
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
		c.mustClose(closeHandlerPanicked)
		if p != ErrAbortHandler {
			c.srv.cfg.logger.Error("httpserver: panic serving request",
				"remote", c.remoteAddr, "method", r.Method, "target", r.Target,
				"panic", p, "stack", string(debug.Stack()))
		}
		if c.state.Load() == stateHijacked {
			// The handler owned the connection and is gone: nothing
			// will close it if the server does not (see Hijacker).
			c.nc.Close()
			return
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

// completeExchange finishes the response after the handler returned: it
// answers a body error the handler ignored, and discards an unread body
// when the connection is to live on, recording a reason to close when it
// cannot.
func (c *conn) completeExchange() {
	ex := c.ex
	w, b := &ex.res, &ex.body
	if b.err != nil {
		c.mustClose(closeBodyBroken)
		if !w.committed {
			w.reset()
			c.writeError(StatusOf(b.err), "")
			return
		}
	}
	if !w.committed && !b.done && !b.canDiscard(c.srv.cfg.limits.MaxDiscardBytes) {
		// Recorded before the header is written, so that the response
		// says "Connection: close".
		c.mustClose(closeBodyUnread)
	}
	w.finish()
	if c.closing() {
		return // no use reading a body off a connection that closes
	}
	if !b.done && !b.discard(c.srv.cfg.limits.MaxDiscardBytes) {
		c.mustClose(closeBodyUnread)
	}
}
