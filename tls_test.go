package httpserver

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// tlsStateHandler answers with what the request knows of its TLS
// connection.
var tlsStateHandler = HandlerFunc(func(w ResponseWriter, r *Request) {
	if r.TLS == nil {
		w.WriteString("plain")
		return
	}
	fmt.Fprintf(w, "version=%x server_name=%s alpn=%s proto=%s", r.TLS.Version, r.TLS.ServerName, r.TLS.NegotiatedProtocol, r.Proto)
})

// TestTLSNetHTTPClient: Go's client fetches over TLS on every engine,
// several requests on one keep-alive connection, and the handler sees
// the connection's TLS state.
func TestTLSNetHTTPClient(t *testing.T) {
	forEachEngine(t, func(t *testing.T, _ func(Handler, ...func(*Server)) *testServer) {
		engine := Engine(t.Name()[strings.LastIndexByte(t.Name(), '/')+1:])
		s, tc := startTLSServer(t, tlsStateHandler, withEngine(engine))
		client := newTLSClient(t, tc, false)
		_, port, _ := net.SplitHostPort(s.addr)
		for i := range 3 {
			res, err := client.Get("https://localhost:" + port + "/")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			want := fmt.Sprintf("version=%x server_name=localhost alpn=http/1.1 proto=HTTP/1.1", tls.VersionTLS13)
			if res.StatusCode != 200 || string(body) != want {
				t.Fatalf("request %d: %d %q, want 200 %q", i, res.StatusCode, body, want)
			}
			if res.TLS == nil || res.ProtoMajor != 1 {
				t.Fatalf("request %d: not HTTP/1.1 over TLS: %s %v", i, res.Proto, res.TLS)
			}
		}
		if n := s.Stats().Conns; n != 1 {
			t.Errorf("%d connections open, want the one kept alive", n)
		}
	})
}

// TestTLSHTTP2NetHTTPClient: Go's client negotiates h2 and is served
// over HTTP/2 (tls_h2.go hands it to the adapter, h2_conn.go).
func TestTLSHTTP2NetHTTPClient(t *testing.T) {
	if !http2Available() {
		t.Fatal("HTTP/2 is not connected to TLS: serveH2 in tls_h2.go is nil")
	}
	forEachEngine(t, func(t *testing.T, _ func(Handler, ...func(*Server)) *testServer) {
		engine := Engine(t.Name()[strings.LastIndexByte(t.Name(), '/')+1:])
		s, tc := startTLSServer(t, tlsStateHandler, withEngine(engine))
		client := newTLSClient(t, tc, true)
		_, port, _ := net.SplitHostPort(s.addr)
		res, err := client.Get("https://localhost:" + port + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.ProtoMajor != 2 || !strings.Contains(string(body), "alpn=h2 proto=HTTP/2.0") {
			t.Fatalf("%s %q, want HTTP/2 with alpn=h2", res.Proto, body)
		}
	})
}

// TestTLSALPNOffersH2OnlyWithHTTP2: without HTTP/2 a client offering h2
// and http/1.1 gets http/1.1; with it, h2, and the connection goes to
// serveH2.
func TestTLSALPNOffersH2OnlyWithHTTP2(t *testing.T) {
	saved := serveH2
	t.Cleanup(func() { serveH2 = saved })
	dialALPN := func(t *testing.T, s *testServer, tc *testCert) (string, []byte) {
		c, err := tls.Dial("tcp", s.addr, &tls.Config{RootCAs: tc.pool, ServerName: "localhost", NextProtos: []string{"h2", "http/1.1"}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		proto := c.ConnectionState().NegotiatedProtocol
		if proto == "h2" {
			b, _ := io.ReadAll(c)
			return proto, b
		}
		return proto, nil
	}

	serveH2 = nil
	s, tc := startTLSServer(t, tlsStateHandler)
	if proto, _ := dialALPN(t, s, tc); proto != "http/1.1" {
		t.Errorf("without HTTP/2: negotiated %q, want http/1.1", proto)
	}

	serveH2 = func(c *conn, st *tls.ConnectionState) {
		if st.NegotiatedProtocol == "h2" {
			c.nc.Write([]byte("served by h2"))
		}
	}
	s2, tc2 := startTLSServer(t, tlsStateHandler)
	proto, got := dialALPN(t, s2, tc2)
	if proto != "h2" || string(got) != "served by h2" {
		t.Errorf("with HTTP/2: negotiated %q and read %q, want h2 and the h2 seam's answer", proto, got)
	}
}

// TestTLSHandshakeTimeout: a client that connects and sends nothing, or
// only part of its ClientHello, is cut off at Timeouts.ReadHeader.
func TestTLSHandshakeTimeout(t *testing.T) {
	hello := clientHello(t)
	cases := []struct {
		name string
		send []byte
	}{
		{"nothing", nil},
		{"half a ClientHello", hello[:len(hello)/2]},
	}
	forEachEngine(t, func(t *testing.T, _ func(Handler, ...func(*Server)) *testServer) {
		engine := Engine(t.Name()[strings.LastIndexByte(t.Name(), '/')+1:])
		s, _ := startTLSServer(t, tlsStateHandler, withEngine(engine), func(s *Server) { s.Timeouts.ReadHeader = 300 * time.Millisecond })
		for _, tt := range cases {
			t.Run(tt.name, func(t *testing.T) {
				c, err := net.Dial("tcp", s.addr)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				c.Write(tt.send)
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				start := time.Now()
				_, err = io.ReadAll(c)
				took := time.Since(start)
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					t.Fatalf("still open after %v", took)
				}
				if took < 250*time.Millisecond || took > 3*time.Second {
					t.Errorf("cut after %v, want about 300ms", took)
				}
			})
		}
	})
}

// clientHello returns the bytes of a real TLS ClientHello.
func clientHello(t *testing.T) []byte {
	a, b := net.Pipe()
	defer a.Close()
	go func() {
		tls.Client(b, &tls.Config{ServerName: "localhost"}).Handshake()
		b.Close()
	}()
	buf := make([]byte, 4096)
	a.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := a.Read(buf)
	if err != nil || n < 100 || buf[0] != 0x16 {
		t.Fatalf("no ClientHello: %d bytes, %v", n, err)
	}
	return buf[:n]
}

// TestTLSPlaintextRequestRefused: plain HTTP sent to a TLS port gets a
// plain 400 saying so, and the connection closes; the server serves TLS
// clients on.
func TestTLSPlaintextRequestRefused(t *testing.T) {
	forEachEngine(t, func(t *testing.T, _ func(Handler, ...func(*Server)) *testServer) {
		engine := Engine(t.Name()[strings.LastIndexByte(t.Name(), '/')+1:])
		s, tc := startTLSServer(t, tlsStateHandler, withEngine(engine))
		c, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		c.Write([]byte("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"))
		got, err := io.ReadAll(c)
		if err != nil {
			t.Fatalf("read: %v (want the answer, then the close)", err)
		}
		if !bytes.HasPrefix(got, []byte("HTTP/1.1 400 Bad Request\r\n")) || !bytes.HasSuffix(got, []byte("\r\n\r\nClient sent an HTTP request to an HTTPS server.\n")) {
			t.Fatalf("got %q", got)
		}
		res, err := http.ReadResponse(bufioReader(got), nil)
		if err != nil || res.ContentLength != 48 {
			t.Fatalf("not a well-formed response: %v, length %d", err, res.ContentLength)
		}
		_, port, _ := net.SplitHostPort(s.addr)
		res, err = newTLSClient(t, tc, false).Get("https://localhost:" + port + "/")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	})
}

// TestServeTLSNeedsCertificate: ServeTLS without any certificate fails at
// once, naming what is missing, and closes the listener.
func TestServeTLSNeedsCertificate(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{}
	err = s.ServeTLS(ln, "", "")
	if !errors.Is(err, ErrInvalidSetting) || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("ServeTLS = %v, want ErrInvalidSetting naming the certificate", err)
	}
	if _, err := ln.Accept(); err == nil {
		t.Fatal("listener still open")
	}
	err = (&Server{}).ServeTLS(mustListen(t), "/nonexistent/cert.pem", "/nonexistent/key.pem")
	if err == nil || !strings.Contains(err.Error(), `"/nonexistent/cert.pem"`) {
		t.Fatalf("ServeTLS with missing files = %v, want an error quoting the file", err)
	}
}

// TestTLSConfigDefaults: the served configuration asks for TLS 1.2 at
// least and offers ALPN by HTTP/2's availability, leaving the caller's
// TLSConfig alone.
func TestTLSConfigDefaults(t *testing.T) {
	tc := newTestCert(t, "localhost")
	user := &tls.Config{Certificates: []tls.Certificate{tc.cert}, NextProtos: []string{"h2", "http/1.1"}}
	s := &Server{TLSConfig: user}
	cfg, err := s.tlsServerConfig("", "")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MinVersion != tls.VersionTLS12 {
		t.Errorf("MinVersion %x, want TLS 1.2", cfg.MinVersion)
	}
	want := "http/1.1"
	if http2Available() {
		want = "h2,http/1.1"
	}
	if got := strings.Join(cfg.NextProtos, ","); got != want {
		t.Errorf("NextProtos %q, want %q", got, want)
	}
	if user.MinVersion != 0 || len(user.NextProtos) != 2 {
		t.Errorf("the caller's TLSConfig was changed: %+v", user)
	}
	// A TLS 1.1 client is refused.
	ss, tc2 := startTLSServer(t, tlsStateHandler)
	_, err = tls.Dial("tcp", ss.addr, &tls.Config{RootCAs: tc2.pool, ServerName: "localhost", MaxVersion: tls.VersionTLS11})
	if err == nil {
		t.Error("a TLS 1.1 handshake succeeded")
	}
}
