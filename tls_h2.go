package httpserver

import "net"

// The seam between TLS and HTTP/2. A TLS connection whose handshake
// negotiated "h2" by ALPN (RFC 9113 §3.2) is served to its end by
// serveH2; everything else is HTTP/1.1.
//
// serveH2 is nil until the HTTP/2 adapter (h2_conn.go, Server.serveHTTP2)
// is connected; while it is nil, ALPN never offers "h2" (see
// offeredProtocols), so no client can negotiate it. Connecting it is one
// line, e.g. in h2_conn.go:
//
//	func init() { serveH2 = func(s *Server, nc net.Conn) { s.serveHTTP2(nc) } }
//
// It is called on the goroutine or worker that ran the handshake, with
// the *tls.Conn; the HTTP/1 conn that accepted it stays tracked (so Close
// reaches it and Shutdown waits for it) and closes the socket when
// serveH2 returns. An adapter that tracks the connection itself, to send
// GOAWAY on Shutdown, should be handed the connection untracked instead:
// change serveNegotiated in tls_conn.go accordingly.
var serveH2 func(s *Server, nc net.Conn)

// http2Available reports whether HTTP/2 can serve connections, and so
// whether ALPN offers "h2".
func http2Available() bool { return serveH2 != nil }
