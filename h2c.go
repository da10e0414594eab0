package httpserver

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

// rejectH2CPreface answers the HTTP/2 preface. This is where HTTP/2 with
// prior knowledge will take the connection over, with the bytes read so
// far; until it exists the preface is answered like any request for
// another major version: 505 (RFC 9110 §15.6.6), and the connection
// closes.
func (c *conn) rejectH2CPreface() {
	c.reject(protocolErr(StatusHTTPVersionNotSupported, "unsupported HTTP-version", "HTTP/2.0"))
}
