package httpserver

import (
	"context"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestOnShutdownTellsRunningHandler: on every engine, a handler that
// registered OnShutdown and waits for it is told when Shutdown begins
// and finishes its response, and Shutdown returns; a handler that
// registered and returned is not told.
func TestOnShutdownTellsRunningHandler(t *testing.T) {
	forEachEngine(t, func(t *testing.T, start func(Handler, ...func(*Server)) *testServer) {
		var stale atomic.Int32
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			rc := NewResponseController(w)
			if r.Path == "/returns" {
				rc.OnShutdown(func() { stale.Add(1) })
				io.WriteString(w, "done")
				return
			}
			told := make(chan struct{})
			if err := rc.OnShutdown(func() { close(told) }); err != nil {
				t.Error(err)
				return
			}
			w.WriteHeader(StatusOK)
			rc.Flush()
			select {
			case <-told:
				io.WriteString(w, "bye")
			case <-time.After(5 * time.Second):
				io.WriteString(w, "never told")
			}
		}))
		c, br := s.rawConn(t)
		if _, body := roundTrip(t, c, br, "GET /returns HTTP/1.1\r\nHost: h\r\n\r\n", "GET"); body != "done" {
			t.Fatalf("body %q", body)
		}
		c2, br2 := s.rawConn(t)
		io.WriteString(c2, "GET /waits HTTP/1.1\r\nHost: h\r\n\r\n")
		if line, err := br2.ReadString('\n'); err != nil || line != "HTTP/1.1 200 OK\r\n" {
			t.Fatalf("status line %q: %v", line, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
		defer cancel()
		start0 := time.Now()
		if err := s.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v after %v", err, time.Since(start0))
		}
		rest, _ := io.ReadAll(br2)
		if !strings.Contains(string(rest), "bye") {
			t.Fatalf("response %q, want the handler told", rest)
		}
		if n := stale.Load(); n != 0 {
			t.Fatalf("a returned handler's OnShutdown was called %d times", n)
		}
	})
}
