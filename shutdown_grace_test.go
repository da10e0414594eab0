package httpserver

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestShutdownAnswersRequestOnItsWay: a connection waiting for a request
// when Shutdown begins (one that has sent nothing yet, or one whose last
// response announced keep-alive) is not closed under a request the client
// is about to send: sent within the grace, the request is answered, with
// "Connection: close". Closing it at once made clients fail requests they
// had no reason to think unsafe (the upgrade test of the binary counted
// them). HTTP/1.1 modes only: on HTTP/2 the GOAWAY tells the client which
// streams were processed, and one sent after it is not (RFC 9113 §6.8;
// TestShutdownLetsDownloadFinish, TestGracefulShutdown).
func TestShutdownAnswersRequestOnItsWay(t *testing.T) {
	forEachMode(t, h1Modes, func(t *testing.T, m testMode, start modeStart) {
		t.Parallel()
		for _, tc := range []struct {
			name   string
			before int // requests answered on the connection before Shutdown
		}{{"new connection", 0}, {"keep-alive connection", 1}} {
			t.Run(tc.name, func(t *testing.T) {
				s := start(HandlerFunc(func(w ResponseWriter, r *Request) { w.WriteString("ok") }))
				c, br := s.rawConn(t)
				roundTrip := func() *http.Response {
					t.Helper()
					if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n"); err != nil {
						t.Fatal(err)
					}
					resp, err := http.ReadResponse(br, nil)
					if err != nil {
						t.Fatalf("no answer: %v", err)
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 || string(b) != "ok" {
						t.Fatalf("answer %d %q", resp.StatusCode, b)
					}
					return resp
				}
				for range tc.before {
					if resp := roundTrip(); resp.Close {
						t.Fatal("keep-alive answer announced the close")
					}
				}
				awaitConns(t, s.Server, 1)

				done := make(chan error, 1)
				go func() {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					done <- s.Shutdown(ctx)
				}()
				awaitRefused(t, s.addr) // Shutdown has begun
				if resp := roundTrip(); !resp.Close {
					t.Error("answer during the shutdown lacks Connection: close")
				}
				if _, err := br.ReadByte(); err != io.EOF {
					t.Errorf("after the answer: %v, want EOF", err)
				}
				if err := <-done; err != nil {
					t.Errorf("Shutdown: %v", err)
				}
			})
		}
	})
}

// TestShutdownClosesIdleAfterGrace: a connection that sends nothing (in
// mode h2, after the handshake chose HTTP/2) is closed once the grace is
// over, and Shutdown returns.
func TestShutdownClosesIdleAfterGrace(t *testing.T) {
	forEachMode(t, allModes, func(t *testing.T, m testMode, start modeStart) {
		t.Parallel()
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) { w.WriteString("ok") }))
		c := s.dial(t)
		awaitConns(t, s.Server, 1)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		expectEOF(t, c) // on HTTP/2 after the server's SETTINGS and GOAWAY
	})
}

// awaitConns waits until s tracks n connections.
func awaitConns(t *testing.T, s *Server, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.Stats().Conns != n {
		if time.Now().After(deadline) {
			t.Fatalf("server tracks %d connections, want %d", s.Stats().Conns, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// awaitRefused waits until addr refuses connections.
func awaitRefused(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("%s still accepts connections", addr)
		}
		time.Sleep(time.Millisecond)
	}
}
