package httpserver

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// echoBodyHandler answers with the length of the request body and, for
// /big, a 1 MiB body.
var echoBodyHandler = HandlerFunc(func(w ResponseWriter, r *Request) {
	n, err := io.Copy(io.Discard, r.Body)
	if err != nil {
		w.WriteHeader(StatusBadRequest)
		return
	}
	if r.Path == "/big" {
		w.Write(make([]byte, 1<<20))
		return
	}
	fmt.Fprintf(w, "%s %s %d", r.Method, r.Path, n)
})

// dialTLS opens a TLS connection to s trusting tc.
func dialTLS(t *testing.T, s *testServer, tc *testCert) (*tls.Conn, *bufio.Reader) {
	t.Helper()
	c, err := tls.Dial("tcp", s.addr, &tls.Config{RootCAs: tc.pool, ServerName: "localhost", NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c, bufio.NewReader(c)
}

// readBody reads one response from br and returns its status and body.
func readBody(t *testing.T, br *bufio.Reader) (int, string) {
	t.Helper()
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// TestTLSRecords: requests whose head and body are split over several
// TLS records, pipelined requests in one record, a 1 MiB upload and a
// 1 MiB download, all on one keep-alive connection, on every engine.
func TestTLSRecords(t *testing.T) {
	forEachEngine(t, func(t *testing.T, _ func(Handler, ...func(*Server)) *testServer) {
		engine := Engine(t.Name()[strings.LastIndexByte(t.Name(), '/')+1:])
		s, tc := startTLSServer(t, echoBodyHandler, withEngine(engine))
		c, br := dialTLS(t, s, tc)

		// Each Write is one record; the pauses let the server see them
		// apart.
		for _, part := range []string{"POST /split HT", "TP/1.1\r\nHost: localhost\r\nContent-Le", "ngth: 10\r\n\r\n01234", "56789"} {
			io.WriteString(c, part)
			time.Sleep(20 * time.Millisecond)
		}
		if code, body := readBody(t, br); code != 200 || body != "POST /split 10" {
			t.Errorf("split request: %d %q", code, body)
		}

		io.WriteString(c, "GET /a HTTP/1.1\r\nHost: localhost\r\n\r\nGET /b HTTP/1.1\r\nHost: localhost\r\n\r\nGET /c HTTP/1.1\r\nHost: localhost\r\n\r\n")
		for _, want := range []string{"GET /a 0", "GET /b 0", "GET /c 0"} {
			if code, body := readBody(t, br); code != 200 || body != want {
				t.Errorf("pipelined: %d %q, want %q", code, body, want)
			}
		}

		fmt.Fprintf(c, "PUT /up HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n", 1<<20)
		go c.Write(make([]byte, 1<<20))
		if code, body := readBody(t, br); code != 200 || body != fmt.Sprintf("PUT /up %d", 1<<20) {
			t.Errorf("upload: %d %q", code, body)
		}

		io.WriteString(c, "GET /big HTTP/1.1\r\nHost: localhost\r\n\r\n")
		if code, body := readBody(t, br); code != 200 || len(body) != 1<<20 {
			t.Errorf("download: %d, %d bytes", code, len(body))
		}
	})
}

// TestTLSSlowHead: a request head that stops halfway, after the
// handshake, is answered 408 at Timeouts.ReadHeader, on every engine.
func TestTLSSlowHead(t *testing.T) {
	forEachEngine(t, func(t *testing.T, _ func(Handler, ...func(*Server)) *testServer) {
		engine := Engine(t.Name()[strings.LastIndexByte(t.Name(), '/')+1:])
		s, tc := startTLSServer(t, echoBodyHandler, withEngine(engine), func(s *Server) { s.Timeouts.ReadHeader = 300 * time.Millisecond })
		c, br := dialTLS(t, s, tc)
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: localhost\r\n")
		start := time.Now()
		code, _ := readBody(t, br)
		if took := time.Since(start); code != StatusRequestTimeout || took > 3*time.Second {
			t.Errorf("%d after %v, want 408 after about 300ms", code, took)
		}
	})
}

// TestTLSEpollParksIdleConnections: on the epoll engine an idle TLS
// keep-alive connection holds no goroutine and no worker, and serves its
// next request.
func TestTLSEpollParksIdleConnections(t *testing.T) {
	needEpoll(t)
	s, tc := startTLSServer(t, echoBodyHandler, withEngine(EngineEpoll))
	var conns []*bufio.Reader
	var tcs []*tls.Conn
	for range 5 {
		c, br := dialTLS(t, s, tc)
		io.WriteString(c, "GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n")
		if code, _ := readBody(t, br); code != 200 {
			t.Fatalf("status %d", code)
		}
		conns, tcs = append(conns, br), append(tcs, c)
	}
	waitFor(t, "the workers to let the idle connections go", func() bool {
		st := s.Stats()
		return st.Conns == 5 && st.BusyWorkers == 0 &&
			countGoroutines("httpserver.(*conn).serve") == 0 && countGoroutines("httpserver.(*conn).serveTLSEvented") == 0
	})
	for i, c := range tcs {
		io.WriteString(c, "GET /again HTTP/1.1\r\nHost: localhost\r\n\r\n")
		if code, body := readBody(t, conns[i]); code != 200 || body != "GET /again 0" {
			t.Errorf("connection %d after parking: %d %q", i, code, body)
		}
	}
}

// TestTLSShutdownClosesIdle: Shutdown ends an idle TLS keep-alive
// connection (after the grace for a request on its way) and returns, on
// every engine.
func TestTLSShutdownClosesIdle(t *testing.T) {
	forEachEngine(t, func(t *testing.T, _ func(Handler, ...func(*Server)) *testServer) {
		engine := Engine(t.Name()[strings.LastIndexByte(t.Name(), '/')+1:])
		s, tc := startTLSServer(t, echoBodyHandler, withEngine(engine))
		c, br := dialTLS(t, s, tc)
		io.WriteString(c, "GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n")
		if code, _ := readBody(t, br); code != 200 {
			t.Fatalf("status %d", code)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if _, err := br.ReadByte(); err == nil {
			t.Error("the idle connection is still open")
		}
		if _, err := net.DialTimeout("tcp", s.addr, time.Second); err == nil {
			t.Error("the listener still accepts")
		}
	})
}

// TestTLSOverCapacity: beyond Limits.MaxConns a TLS connection that sends
// nothing is closed within a second, not left waiting for its hello; on
// the goroutine and pool engines a TLS client gets the 503 over TLS.
func TestTLSOverCapacity(t *testing.T) {
	forEachEngine(t, func(t *testing.T, _ func(Handler, ...func(*Server)) *testServer) {
		engine := Engine(t.Name()[strings.LastIndexByte(t.Name(), '/')+1:])
		s, tc := startTLSServer(t, echoBodyHandler, withEngine(engine), func(s *Server) { s.Limits.MaxConns = 1 })
		c, br := dialTLS(t, s, tc)
		io.WriteString(c, "GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n")
		if code, _ := readBody(t, br); code != 200 {
			t.Fatalf("status %d", code)
		}

		silent, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer silent.Close()
		silent.SetReadDeadline(time.Now().Add(5 * time.Second))
		start := time.Now()
		_, err = io.ReadAll(silent)
		if ne, ok := err.(net.Error); ok && ne.Timeout() || time.Since(start) > 3*time.Second {
			t.Errorf("a silent connection beyond MaxConns still open after %v", time.Since(start))
		}

		if engine == EngineEpoll {
			return // closed at accept: a plain 503 would be garbage to a TLS client
		}
		c2, err := tls.Dial("tcp", s.addr, &tls.Config{RootCAs: tc.pool, ServerName: "localhost"})
		if err != nil {
			t.Fatal(err)
		}
		defer c2.Close()
		c2.SetDeadline(time.Now().Add(5 * time.Second))
		if code, _ := readBody(t, bufio.NewReader(c2)); code != StatusServiceUnavailable {
			t.Errorf("a TLS client beyond MaxConns got %d, want 503", code)
		}
	})
}
