package httpserver

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

// testServer is a Server on a loopback port, shut down when the test ends.
type testServer struct {
	*Server
	addr string
}

// engines lists the ways a server can run connections; every integration
// test runs once per engine.
var engines = availableEngines()

// availableEngines lists the engines this system runs: epoll is Linux only.
func availableEngines() []Engine {
	e := []Engine{EngineGoroutine, EnginePool}
	if runtime.GOOS == "linux" {
		e = append(e, EngineEpoll)
	}
	return e
}

// forEachEngine runs fn as a subtest for every engine.
func forEachEngine(t *testing.T, fn func(t *testing.T, start func(h Handler, configure ...func(*Server)) *testServer)) {
	for _, engine := range engines {
		t.Run(string(engine), func(t *testing.T) {
			fn(t, func(h Handler, configure ...func(*Server)) *testServer {
				return startServer(t, h, append([]func(*Server){withEngine(engine)}, configure...)...)
			})
		})
	}
}

// withEngine configures a test server to run on engine.
func withEngine(engine Engine) func(*Server) {
	return func(s *Server) { s.Engine = engine }
}

// startServer starts a server for h on 127.0.0.1 and registers its
// shutdown with t.
func startServer(t testing.TB, h Handler, configure ...func(*Server)) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Handler: h, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, f := range configure {
		f(s)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-done; err != ErrServerClosed {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return &testServer{Server: s, addr: ln.Addr().String()}
}

// client returns a net/http client whose idle connections are closed when
// the test ends.
func newClient(t testing.TB) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 4}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// rawConn dials the server for hand-written requests.
func (s *testServer) rawConn(t testing.TB) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c, bufio.NewReader(c)
}

// roundTrip sends raw bytes and reads one response with net/http's parser.
func roundTrip(t testing.TB, c net.Conn, br *bufio.Reader, raw, method string) (*http.Response, string) {
	t.Helper()
	if raw != "" {
		if _, err := io.WriteString(c, raw); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("reading response: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return resp, string(b)
}

// expectClosed asserts that the server closed the connection.
func expectClosed(t testing.TB, c net.Conn, br *bufio.Reader) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if b, err := br.ReadByte(); err == nil {
		t.Fatalf("connection still open, read %q", b)
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("connection not closed by the server")
	}
}

// TestNetHTTPClientBasics: net/http's client in every mode: bodies both
// ways (fixed and streamed), query, Server and Date fields, a flushed
// stream (chunked on HTTP/1.1, DATA frames without a length on HTTP/2),
// a large body, 404.
func TestNetHTTPClientBasics(t *testing.T) {
	forEachMode(t, allModes, func(t *testing.T, m testMode, start modeStart) {
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			switch r.Path {
			case "/echo":
				b, _ := io.ReadAll(r.Body)
				w.Header().Set("X-Method", r.Method)
				w.Header().Set("X-Query", strings.Join(r.Query().Values("a"), ","))
				w.Write(b)
			case "/stream":
				for i := 0; i < 3; i++ {
					w.WriteString("chunk\n")
					w.Flush()
				}
			case "/big":
				w.Write([]byte(strings.Repeat("x", 100000)))
			default:
				Error(w, StatusNotFound)
			}
		}), func(s *Server) { s.Name = "httpserver-test" })
		c := s.client(t)
		base := s.url("")

		resp, err := c.Post(base+"/echo?a=1&a=2", "text/plain", strings.NewReader("hello"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != "hello" || resp.ContentLength != 5 ||
			resp.Header.Get("X-Query") != "1,2" || resp.Header.Get("Server") != "httpserver-test" ||
			resp.Header.Get("Date") == "" {
			t.Fatalf("echo: %d %q cl=%d %v", resp.StatusCode, b, resp.ContentLength, resp.Header)
		}

		resp, err = c.Get(base + "/stream")
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		chunked := len(resp.TransferEncoding) == 1 && resp.TransferEncoding[0] == "chunked"
		if string(b) != strings.Repeat("chunk\n", 3) || resp.ContentLength != -1 || chunked == m.isH2() {
			t.Fatalf("stream: %q cl=%d %v", b, resp.ContentLength, resp.TransferEncoding)
		}

		resp, err = c.Get(base + "/big")
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if len(b) != 100000 {
			t.Fatalf("big: got %d bytes", len(b))
		}

		// A chunked request body from the client.
		pr, pw := io.Pipe()
		go func() {
			pw.Write([]byte("streamed "))
			pw.Write([]byte("body"))
			pw.Close()
		}()
		req, _ := http.NewRequest("PUT", base+"/echo", pr)
		resp, err = c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "streamed body" || resp.Header.Get("X-Method") != "PUT" {
			t.Fatalf("chunked upload: %q", b)
		}

		resp, err = c.Get(base + "/missing")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Fatalf("missing: %d", resp.StatusCode)
		}
	})
}

// TestKeepAliveReusesConnection: successive requests share a connection
// (keep-alive on HTTP/1.1, streams of one connection on HTTP/2).
func TestKeepAliveReusesConnection(t *testing.T) {
	forEachMode(t, allModes, func(t *testing.T, m testMode, start modeStart) {
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) { w.WriteString(r.RemoteAddr) }))
		c := s.client(t)
		var first string
		for i := 0; i < 5; i++ {
			resp, err := c.Get(s.url("/"))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if i == 0 {
				first = string(b)
			} else if string(b) != first {
				t.Fatalf("request %d came from %s, first from %s: connection not reused", i, b, first)
			}
		}
	})
}
