package httpserver

import "crypto/tls"

// The seam between TLS and HTTP/2. A TLS connection whose handshake
// negotiated "h2" by ALPN (RFC 9113 §3.2) is handed to serveH2;
// everything else is HTTP/1.1.
//
// serveH2 is the HTTP/2 adapter's hand-off (h2_conn.go); tests set it to
// nil to check that ALPN then never offers "h2" (offeredProtocols), so no
// client can negotiate it. It is called on the goroutine or worker that
// ran the handshake (state idle on the goroutine and pool engines, active
// on an epoll worker), with the handshake's state; it takes the
// connection over (tracking it in c's place, as handOffToHTTP2 does by
// hijacking c), after which the caller ends c with closeAndForget, which
// leaves a hijacked socket open.
var serveH2 = func(c *conn, st *tls.ConnectionState) { c.handOffToHTTP2(h2ServeOptions{tls: st}) }

// http2Available reports whether HTTP/2 can serve TLS connections, and
// so whether ALPN offers "h2".
func http2Available() bool { return serveH2 != nil }
