package httpserver

import "time"

// Seams for HTTP/2. The root package serves HTTP/1.1; HTTP/2 is a package
// of its own (internal/http2: frames, HPACK, stream states, its limits).
// Its adapter here is to build each stream's Request on the
// protocol-neutral exchange (exchange.go) and have the Server track the
// connection as a trackedConn (shutdown.go), so that Shutdown can ask it
// to send GOAWAY and drain. A connection reaches it in two ways: after a TLS handshake that negotiated "h2" by
// ALPN (RFC 9113 §3.2), and over cleartext with prior knowledge, when a
// connection starts with the client preface (RFC 9113 §3.3); the second
// is detected here.

// h2cPrefaceHead is the part of the HTTP/2 client connection preface
// ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", RFC 9113 §3.4) that the HTTP/1
// head scanner takes for a complete request head.
const h2cPrefaceHead = "PRI * HTTP/2.0\r\n\r\n"

// isH2CPreface reports whether a connection's first request head is the
// start of the HTTP/2 client preface.
func (c *conn) isH2CPreface() bool {
	return c.served == 0 && string(c.head) == h2cPrefaceHead
}

// serveH2CPreface takes over a connection that opened with the HTTP/2
// preface: with HTTP2Options.H2C it becomes an HTTP/2 connection, served
// on goroutines of its own, with the bytes read so far (the preface head
// the scanner consumed and whatever followed it: internal/http2 reads and
// checks the whole preface itself); the HTTP/1 side lets it go as after a
// Hijack. Without H2C the preface is answered like any request for another
// major version: 505 (RFC 9110 §15.6.6), and the connection closes.
func (c *conn) serveH2CPreface() {
	if !c.srv.cfg.h2.H2C {
		c.reject(protocolErr(StatusHTTPVersionNotSupported, "unsupported HTTP-version", "HTTP/2.0"))
		return
	}
	if !c.state.CompareAndSwap(stateActive, stateHijacked) {
		return // Close got there first
	}
	c.nc.SetDeadline(time.Time{})
	buffered := make([]byte, 0, len(h2cPrefaceHead)+c.rend-c.rpos)
	buffered = append(buffered, h2cPrefaceHead...)
	buffered = append(buffered, c.rbuf[c.rpos:c.rend]...)
	c.rpos = c.rend
	if hc := c.srv.startHTTP2(c.nc, h2ServeOptions{buffered: buffered, replaces: c}); hc != nil {
		go hc.serve()
	}
}
