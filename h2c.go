package httpserver

// HTTP/2 over cleartext with prior knowledge (RFC 9113 §3.3): a
// connection whose first bytes are the client preface is handed from the
// HTTP/1 side to the HTTP/2 adapter (h2_conn.go) when HTTP2Options.H2C is
// set. The other way in, a TLS handshake that negotiated "h2" by ALPN
// (RFC 9113 §3.2), uses the same hand-off, conn.handOffToHTTP2.

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
	buffered := make([]byte, 0, len(h2cPrefaceHead)+c.rend-c.rpos)
	buffered = append(buffered, h2cPrefaceHead...)
	buffered = append(buffered, c.rbuf[c.rpos:c.rend]...)
	c.rpos = c.rend
	c.handOffToHTTP2(h2ServeOptions{buffered: buffered})
}
