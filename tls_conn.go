package httpserver

import (
	"crypto/tls"
	"errors"
	"net"
	"time"
)

// socket returns the connection's transport: the TCP (or evented)
// connection under TLS (and under its helloRecords), else the connection
// itself.
func (c *conn) socket() net.Conn {
	if tc, ok := c.nc.(*tls.Conn); ok {
		if h, ok := tc.NetConn().(*helloRecords); ok {
			return h.Conn
		}
		return tc.NetConn()
	}
	return c.nc
}

// isTLS reports whether the connection was accepted by ServeTLS.
func (c *conn) isTLS() bool {
	_, ok := c.nc.(*tls.Conn)
	return ok
}

// handshakeTLS runs the TLS handshake of a connection accepted by
// ServeTLS, on the goroutine that serves it, before its first request;
// for any other connection it does nothing. The handshake must end
// within Timeouts.ReadHeader: the wait for a client's first bytes is the
// wait for its first request head. It reports whether the connection
// goes on as HTTP/1.1; a connection that negotiated "h2" is handed to
// HTTP/2 here (see serveH2).
//
// While the handshake runs the connection counts as idle: Shutdown and
// Close end it as they end a connection that has sent no request.
func (c *conn) handshakeTLS() bool {
	tc, ok := c.nc.(*tls.Conn)
	if !ok {
		return true
	}
	if d := c.srv.cfg.timeouts.ReadHeader; d > 0 {
		deadline := time.Now().Add(d)
		if u := c.idleUntil.Load(); c.evented && u != 0 {
			// Parked since accept: the time runs from the connect.
			deadline = time.Unix(0, u)
		}
		tc.SetDeadline(deadline)
	}
	if err := tc.Handshake(); err != nil {
		c.handshakeFailed(err)
		return false
	}
	tc.SetDeadline(time.Time{})
	c.tlsReady = true
	if tc.ConnectionState().NegotiatedProtocol == alpnHTTP2 && serveH2 != nil {
		st := tc.ConnectionState()
		serveH2(c, &st)
		return false
	}
	return true
}

// tlsStateFor returns the Request.TLS of the exchange ex: over TLS, the
// connection's state copied into ex, which lives as long as the request;
// else nil. The connection keeps no copy of its own: an idle connection
// of the epoll engine holds no exchange, and so no 200-byte state.
func (c *conn) tlsStateFor(ex *h1Exchange) *tls.ConnectionState {
	if !c.tlsReady {
		return nil
	}
	ex.tls = c.nc.(*tls.Conn).ConnectionState()
	return &ex.tls
}

// handshakeFailed ends a connection whose handshake failed. A client that
// spoke plain HTTP to the TLS port gets a plain 400 saying so, as
// net/http does, instead of a TLS alert it cannot read.
func (c *conn) handshakeFailed(err error) {
	var rhe tls.RecordHeaderError
	if errors.As(err, &rhe) && rhe.Conn != nil && looksLikeHTTP(rhe.RecordHeader[:]) {
		rhe.Conn.SetWriteDeadline(time.Now().Add(time.Second))
		rhe.Conn.Write([]byte(plainHTTPToTLSResponse))
	}
	c.srv.cfg.logger.Debug("httpserver: TLS handshake failed", "remote", c.remoteAddr, "err", err)
}

// plainHTTPToTLSResponse answers a plain HTTP request sent to a TLS port.
const plainHTTPToTLSResponse = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: 48\r\n\r\nClient sent an HTTP request to an HTTPS server.\n"

// looksLikeHTTP reports whether the first five bytes of a connection are
// the start of an HTTP/1 request line: a method token and a space, or
// upper-case letters (a TLS record starts with 0x16).
func looksLikeHTTP(b []byte) bool {
	for i, ch := range b {
		switch {
		case ch >= 'A' && ch <= 'Z':
		case ch == ' ' && i > 0:
			return true
		default:
			return false
		}
	}
	return true
}
