package httpserver

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"
)

// testMode is a protocol by which a test server is reached. Integration
// tests run on every engine in each mode that applies to them (see
// forEachMode): the semantic ones (status, fields, bodies, streaming,
// trailers, timeouts, shutdown) in all four, those that test HTTP/1.1
// framing by nature (pipelining, chunked bytes, malformed input,
// Connection: close, lingering close) in h1Modes.
type testMode string

const (
	modeH1    testMode = "h1"    // HTTP/1.1 over TCP
	modeH1TLS testMode = "h1tls" // HTTP/1.1 over TLS, ALPN "http/1.1"
	modeH2    testMode = "h2"    // HTTP/2 over TLS, ALPN "h2"
	modeH2C   testMode = "h2c"   // HTTP/2 over TCP with prior knowledge
)

var (
	allModes = []testMode{modeH1, modeH1TLS, modeH2, modeH2C}
	h1Modes  = []testMode{modeH1, modeH1TLS}
	h2Modes  = []testMode{modeH2, modeH2C}
)

// isTLS reports whether the mode runs over TLS.
func (m testMode) isTLS() bool { return m == modeH1TLS || m == modeH2 }

// isH2 reports whether the mode speaks HTTP/2.
func (m testMode) isH2() bool { return m == modeH2 || m == modeH2C }

// modeServer is a test server started for a mode, with what a test needs
// to reach it that way.
type modeServer struct {
	*testServer
	mode testMode
	cert *testCert // the server's certificate in the TLS modes
}

// modeStart starts a server for h on the engine and in the mode of a
// forEachMode subtest.
type modeStart func(h Handler, configure ...func(*Server)) *modeServer

// forEachMode runs fn as a subtest "engine/mode" for every engine and
// each of modes.
func forEachMode(t *testing.T, modes []testMode, fn func(t *testing.T, m testMode, start modeStart)) {
	for _, engine := range engines {
		t.Run(string(engine), func(t *testing.T) {
			for _, m := range modes {
				t.Run(string(m), func(t *testing.T) {
					fn(t, m, func(h Handler, configure ...func(*Server)) *modeServer {
						return startModeServer(t, m, h, append([]func(*Server){withEngine(engine)}, configure...)...)
					})
				})
			}
		})
	}
}

// startModeServer starts a server for h reachable in mode m: Serve, or
// ServeTLS with a fresh certificate for 127.0.0.1, with HTTP2.H2C set in
// mode h2c. It is shut down when the test ends.
func startModeServer(t testing.TB, m testMode, h Handler, configure ...func(*Server)) *modeServer {
	t.Helper()
	if m == modeH2C {
		configure = append([]func(*Server){withH2C}, configure...)
	}
	if m.isTLS() {
		s, tc := startTLSServer(t, h, configure...)
		return &modeServer{testServer: s, mode: m, cert: tc}
	}
	return &modeServer{testServer: startServer(t, h, configure...), mode: m}
}

// url returns the URL of path on the server, http or https.
func (s *modeServer) url(path string) string {
	if s.mode.isTLS() {
		return "https://" + s.addr + path
	}
	return "http://" + s.addr + path
}

// client returns a net/http client that speaks the server's mode, and
// fails any exchange served in another protocol. options adjust its
// transport. Its idle connections close when the test ends.
func (s *modeServer) client(t testing.TB, options ...func(*http.Transport)) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 4}
	switch s.mode {
	case modeH1TLS:
		tr.TLSClientConfig = &tls.Config{RootCAs: s.cert.pool, NextProtos: []string{alpnHTTP1}}
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{} // no h2
	case modeH2:
		tr.TLSClientConfig = &tls.Config{RootCAs: s.cert.pool}
		var p http.Protocols
		p.SetHTTP2(true)
		tr.Protocols = &p
	case modeH2C:
		var p http.Protocols
		p.SetUnencryptedHTTP2(true)
		tr.Protocols = &p
	}
	for _, o := range options {
		o(tr)
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: modeChecker{tr, s.mode}, Timeout: 10 * time.Second}
}

// modeChecker fails an exchange served in another protocol than its
// mode's, so that no test passes in a mode it did not run in.
type modeChecker struct {
	rt   *http.Transport
	mode testMode
}

func (c modeChecker) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.rt.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	want := 1
	if c.mode.isH2() {
		want = 2
	}
	if resp.ProtoMajor != want || c.mode.isTLS() != (resp.TLS != nil) {
		resp.Body.Close()
		return nil, fmt.Errorf("mode %s: served as %s, TLS %v", c.mode, resp.Proto, resp.TLS != nil)
	}
	return resp, nil
}

// CloseIdleConnections lets Client.CloseIdleConnections reach the
// transport.
func (c modeChecker) CloseIdleConnections() { c.rt.CloseIdleConnections() }

// dial connects to the server for bytes of the mode's transport: plain
// TCP, or TLS offering ALPN h1 or h2 as the mode wants (after the
// handshake HTTP/1.1 bytes are written as over TCP). The connection
// closes when the test ends.
func (s *modeServer) dial(t testing.TB) net.Conn {
	t.Helper()
	return s.dialWith(t, &net.Dialer{Timeout: 5 * time.Second})
}

// dialWith is dial with the TCP connection made by d (to set socket
// options, for instance).
func (s *modeServer) dialWith(t testing.TB, d *net.Dialer) net.Conn {
	t.Helper()
	nc, err := d.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	if !s.mode.isTLS() {
		return nc
	}
	proto := alpnHTTP1
	if s.mode.isH2() {
		proto = alpnHTTP2
	}
	tc := tls.Client(nc, &tls.Config{RootCAs: s.cert.pool, ServerName: "127.0.0.1", NextProtos: []string{proto}})
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	if got := tc.ConnectionState().NegotiatedProtocol; got != proto {
		t.Fatalf("ALPN negotiated %q, want %q", got, proto)
	}
	return tc
}

// rawConn dials the server for hand-written HTTP/1.1 requests, over TLS
// in mode h1tls (it shadows testServer.rawConn, so that byte-level tests
// run over TLS unchanged).
func (s *modeServer) rawConn(t testing.TB) (net.Conn, *bufio.Reader) {
	t.Helper()
	if s.mode.isH2() {
		t.Fatalf("rawConn writes HTTP/1.1 bytes; mode %s speaks HTTP/2", s.mode)
	}
	c := s.dial(t)
	return c, bufio.NewReader(c)
}
