package httpserver

import (
	"crypto/tls"
	"math"
	"net"
	"time"

	"github.com/rawsock/httpserver/internal/http2"
)

// HTTP/2 connections. The protocol (frames, SETTINGS, flow control,
// stream states, its limits) is internal/http2; this file only hands a
// connection to it and lets the Server track it. Each stream reaches the
// Server's Handler through h2_stream.go (the Request) and h2_response.go
// (the ResponseWriter).

// h2ServeOptions say how a connection reached HTTP/2.
type h2ServeOptions struct {
	// buffered are bytes already read from the connection, to be read
	// before anything else it receives. Over cleartext with prior
	// knowledge they are the part of the client preface the HTTP/1 head
	// scanner consumed ("PRI * HTTP/2.0\r\n\r\n") followed by whatever it
	// had buffered after it, so that internal/http2 reads and checks the
	// whole preface itself. Empty after a TLS handshake.
	buffered []byte
	// tls is the state of the TLS handshake that negotiated "h2" by ALPN
	// (RFC 9113 §3.2); nil over cleartext. Requests report it.
	tls *tls.ConnectionState
	// replaces is the tracked connection that carried nc until now (the
	// HTTP/1 conn that read the preface, or the connection of a TLS
	// handshake), if any: it is forgotten once the HTTP/2 connection is
	// tracked, so that Shutdown always finds one of the two.
	replaces trackedConn
}

// startHTTP2 makes the HTTP/2 connection of nc and tracks it in place of
// opts.replaces; serve runs it until it ends. The Server tracks it as a
// trackedConn from start to end: Shutdown sends GOAWAY and lets the open
// streams finish (RFC 9113 §6.8), Close closes it at once. startHTTP2
// returns nil, having closed nc, when the Server is closed. Tracking
// comes first, before any goroutine runs, so that the connection is never
// untracked between its HTTP/1 and HTTP/2 lives.
func (s *Server) startHTTP2(nc net.Conn, opts h2ServeOptions) *h2Conn {
	if len(opts.buffered) > 0 {
		nc = &prefixConn{Conn: nc, pending: opts.buffered}
	}
	hc := &h2Conn{srv: s, nc: nc, tls: opts.tls}
	if a := nc.RemoteAddr(); a != nil {
		hc.remoteAddr = a.String()
	}
	cfg := s.h2Config()
	cfg.Rejected = hc.rejectedByHTTP2
	hc.sc = http2.NewServerConn(nc, cfg, hc)
	tracked := s.trackConn(hc, true)
	if opts.replaces != nil {
		s.trackConn(opts.replaces, false)
	}
	if !tracked {
		nc.Close()
		return nil
	}
	return hc
}

// serve runs the connection until it ends and forgets it.
func (hc *h2Conn) serve() {
	defer hc.srv.trackConn(hc, false)
	if err := hc.sc.Serve(http2.ServeOptions{}); err != nil {
		hc.srv.cfg.logger.Debug("httpserver: http2 connection ended", "remote", hc.remoteAddr, "err", err)
	}
}

// handOffToHTTP2 lets an HTTP/1 connection go, as after a Hijack, to be
// served as HTTP/2 on goroutines of its own (on every engine: an epoll
// worker is not held for the connection's life), tracked in its place.
// The caller, the goroutine serving c, then ends c as usual (closeAndForget
// leaves a hijacked socket open). It is the one way into HTTP/2: the h2c
// seam hands over a connection that opened with the preface (h2c.go), and
// the TLS side hands over one whose handshake negotiated "h2" by ALPN
// (RFC 9113 §3.2) with opts.tls set to the handshake's state, for
// Request.TLS. Shutdown then reaches the HTTP/2 connection (GOAWAY), not
// the HTTP/1 one, which would otherwise be closed as idle.
func (c *conn) handOffToHTTP2(opts h2ServeOptions) {
	if !c.state.CompareAndSwap(stateActive, stateHijacked) && !c.state.CompareAndSwap(stateIdle, stateHijacked) {
		return // Shutdown or Close got there first
	}
	c.nc.SetDeadline(time.Time{})
	opts.replaces = c
	if hc := c.srv.startHTTP2(c.nc, opts); hc != nil {
		go hc.serve()
	}
}

// h2Conn is one HTTP/2 connection as the Server sees it: a trackedConn,
// and the http2.Handler of its streams (h2_stream.go).
type h2Conn struct {
	srv        *Server
	nc         net.Conn
	sc         *http2.ServerConn
	remoteAddr string
	tls        *tls.ConnectionState
	// shutdownHooks tell running handlers of Shutdown (h2_shutdown_notify.go).
	shutdownHooks h2ShutdownHooks
	connSetSlot   // in the Server's set; guarded by srv.mu
}

// rejectedByHTTP2 reports a request internal/http2 answered itself (431
// for a field list beyond SETTINGS_MAX_HEADER_LIST_SIZE, which is
// Limits.MaxHeaderBytes) as the adapter's own rejections are: nothing of
// the request is known but its protocol.
func (hc *h2Conn) rejectedByHTTP2(_ *http2.Stream, status int) {
	err := error(&ProtocolError{Status: status, Reason: "http2 request refused"})
	if status == StatusRequestHeaderFieldsTooLarge {
		err = errHeaderTooLarge
	}
	hc.reject(&Request{Proto: "HTTP/2.0"}, err)
}

// shutdown implements trackedConn: GOAWAY, no new streams, the open ones
// finish and the connection closes (internal/http2 does it; the goroutine
// running h2Conn.serve forgets the connection). Handlers that asked
// (ResponseController.OnShutdown) are told, once.
func (hc *h2Conn) shutdown(time.Duration) (serverForgets bool) {
	hc.sc.GoAway()
	hc.shutdownHooks.notifyShutdown()
	return false
}

// closeNow implements trackedConn: the connection closes at once and its
// streams' handlers see their reads and writes fail.
func (hc *h2Conn) closeNow() (serverForgets bool) {
	hc.sc.Close()
	return false
}

// h2Config maps the Server's settings onto the HTTP/2 connection's.
func (s *Server) h2Config() *http2.Config {
	t := &s.cfg.timeouts
	off := func(d time.Duration) time.Duration {
		if d <= 0 {
			return 1 << 62 // the Server's "off" (zero would be internal/http2's default)
		}
		return d
	}
	return &http2.Config{
		IdleTimeout:    off(t.Idle),
		PrefaceTimeout: off(t.ReadHeader),
		HeaderTimeout:  off(t.ReadHeader),
		WriteTimeout:   off(t.Write),
		Logger:         s.cfg.logger,
		// RFC 8441 §3: extended CONNECT (h2_connect.go) unless turned off.
		EnableConnectProtocol: !s.cfg.h2.NoExtendedConnect,
		Limits: http2.Limits{
			MaxConcurrentStreams: uint32(s.cfg.h2.MaxConcurrentStreams),
			MaxHeaderListSize:    uint32(min(s.cfg.limits.MaxHeaderBytes, math.MaxUint32)),
		},
	}
}

// prefixConn is a net.Conn whose first reads return bytes read from it
// earlier.
type prefixConn struct {
	net.Conn
	pending []byte
}

func (p *prefixConn) Read(b []byte) (int, error) {
	if len(p.pending) > 0 {
		n := copy(b, p.pending)
		p.pending = p.pending[n:]
		if len(p.pending) == 0 {
			p.pending = nil // not held for the connection's life
		}
		return n, nil
	}
	return p.Conn.Read(b)
}

// CloseWrite half-closes the connection when the underlying one can:
// internal/http2 uses it to end a connection gracefully.
func (p *prefixConn) CloseWrite() error {
	if cw, ok := p.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return ErrNotSupported
}
