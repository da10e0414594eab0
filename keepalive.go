package httpserver

import "time"

// Keep-alive: whether an HTTP/1 connection carries another request after
// the current exchange is decided by one function, conn.keepAlive. Code
// that finds a reason to close records it with conn.mustClose where it
// finds it (the request, the response writer, the body reader, the panic
// handler); the reasons are cleared when the next request begins.
// conn.afterExchange is the one step every engine runs after an exchange,
// and conn.idleTimeout the one wait between requests.

// closeReason is why a connection cannot carry another request after the
// current exchange; reasons accumulate as bits.
type closeReason uint16

const (
	// closeRequested: the request did not ask for a persistent
	// connection: "Connection: close", or HTTP/1.0 without "keep-alive"
	// (RFC 9112 §9.3).
	closeRequested closeReason = 1 << iota
	// closeRejected: the request could not be parsed or accepted; after
	// a framing error nothing that follows on the stream can be trusted
	// (RFC 9112 §11.2).
	closeRejected
	// closeAnnounced: the response header said "Connection: close" (the
	// handler's own field, or a shutdown in progress, or a reason here).
	closeAnnounced
	// closeDelimited: the response body ends with the connection: an
	// HTTP/1.0 client and no known length (RFC 9112 §6.3 rule 8).
	closeDelimited
	// closeShortBody: the body sent was shorter than its Content-Length;
	// the client waits for bytes that will never come (RFC 9112 §6.3).
	closeShortBody
	// closeBodyBroken: the request body broke its framing or limit.
	closeBodyBroken
	// closeBodyUnread: the handler left more request body than may be
	// discarded, or discarding it failed.
	closeBodyUnread
	// closeHandlerPanicked: the handler panicked or aborted.
	closeHandlerPanicked
	// closeErrorSent: the server answered an error itself, with
	// "Connection: close".
	closeErrorSent
)

// mustClose records a reason the connection cannot carry another request.
func (c *conn) mustClose(why closeReason) { c.closeWhy |= why }

// closing reports whether a reason to close was recorded in this exchange.
func (c *conn) closing() bool { return c.closeWhy != 0 }

// keepAlive decides whether the connection carries another request after
// the current exchange: only if no reason to close was recorded and the
// server is not shutting down. The response writer asks it when it writes
// the header, and a "no" is announced as "Connection: close" and recorded
// (closeAnnounced): from then on the recorded reasons alone decide, so
// that afterExchange keeps a promise of persistence that a response made
// before a Shutdown began (the connection then waits as idle, for
// Shutdown to close it; see conn.shutdown).
func (c *conn) keepAlive() bool {
	return !c.closing() && !c.srv.shuttingDown()
}

// afterExchange runs after every exchange on every engine and reports
// whether the connection goes on to its next request. When it does not,
// what is queued has been sent and the caller ends the connection.
func (c *conn) afterExchange() bool {
	if c.state.Load() == stateHijacked {
		return false
	}
	if !c.closing() {
		return true
	}
	c.flush()
	// Only input the server left unread can make the kernel reset the
	// connection and destroy the response (RFC 9112 §9.6): pipelined
	// requests already read, a body left unread, or bytes still waiting
	// in the socket. A clean "Connection: close" exchange closes at once.
	if c.rpos < c.rend || c.bodyUnread || hasPendingInput(c.nc) {
		c.lingeringClose()
	}
	return false
}

// idleTimeout is how long a connection waits for its next request:
// Timeouts.Idle between requests, Timeouts.ReadHeader before the first
// (a client that connects and sends nothing holds a connection like one
// that sends a head slowly).
func (c *conn) idleTimeout() time.Duration {
	if c.served == 0 {
		return c.srv.cfg.timeouts.ReadHeader
	}
	return c.srv.cfg.timeouts.Idle
}
