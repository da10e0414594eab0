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
	"unsafe"
)

// TestEpollCloseWhileParking: Server.Close racing a worker that parks its
// connection (or the loop that re-parks it) must not leave the connection
// tracked: the owner used to store the idle state over Close's closed one,
// so nobody forgot it (about 5% of these servers, before the fix).
func TestEpollCloseWhileParking(t *testing.T) {
	needEpoll(t)
	leaked := 0
	deadline := time.Now().Add(15 * time.Second)
	for i := 0; i < 150 && time.Now().Before(deadline); i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		s := &Server{Handler: HandlerFunc(func(w ResponseWriter, r *Request) { w.WriteString("ok") }),
			Engine: EngineEpoll, Logger: slog.New(slog.DiscardHandler)}
		done := make(chan error, 1)
		go func() { done <- s.Serve(ln) }()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		s.Close()
		<-done
		// The owner of a connection Close found busy forgets it as it
		// notices; give it a moment.
		for j := 0; j < 100 && s.Stats().Conns != 0; j++ {
			time.Sleep(time.Millisecond)
		}
		if s.Stats().Conns != 0 {
			leaked++
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			s.Shutdown(ctx)
			cancel()
		}
		c.Close()
	}
	if leaked > 0 {
		t.Errorf("%d servers kept a connection after Close", leaked)
	}
}

// TestEpollSweepSparesReparkedConnection: a handler slower than the
// ReadHeader timeout leaves the connection's old deadline expired while
// it runs; once the connection is parked again with its idle deadline,
// the sweep must not close it (the client reuses it).
func TestEpollSweepSparesReparkedConnection(t *testing.T) {
	needEpoll(t)
	s := startServer(t, HandlerFunc(func(w ResponseWriter, r *Request) {
		time.Sleep(120 * time.Millisecond) // longer than ReadHeader
		w.WriteString("ok")
	}), withEngine(EngineEpoll), func(s *Server) {
		s.Timeouts = Timeouts{ReadHeader: 50 * time.Millisecond, Idle: 10 * time.Second}
	})
	c, br := s.rawConn(t)
	for i := range 4 {
		if _, body := roundTrip(t, c, br, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "GET"); body != "ok" {
			t.Fatalf("exchange %d: %q", i, body)
		}
		time.Sleep(60 * time.Millisecond) // several sweeps while parked
	}
}

// countGoroutines counts the goroutines with a frame named fn.
func countGoroutines(fn string) int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), fn+"(")
}

// TestEpollShutdownLeavesNothingRunning: Shutdown with a parked keep-alive
// connection, a parked partial head and a request in flight ends every
// worker, and a hijacked connection keeps the loops only until it closes.
func TestEpollShutdownLeavesNothingRunning(t *testing.T) {
	needEpoll(t)
	release := make(chan struct{})
	hijacked := make(chan net.Conn, 1)
	s := startServer(t, HandlerFunc(func(w ResponseWriter, r *Request) {
		switch r.Target {
		case "/slow":
			<-release
		case "/hijack":
			nc, _, err := NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			hijacked <- nc
			return
		}
		w.WriteString("ok")
	}), withEngine(EngineEpoll), func(s *Server) {
		s.Timeouts = Timeouts{ReadHeader: time.Second, Idle: time.Second} // loops look every 250ms
	})
	parked, pbr := s.rawConn(t)
	if _, body := roundTrip(t, parked, pbr, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "GET"); body != "ok" {
		t.Fatalf("body %q", body)
	}
	e := (*s.eng.Load()).(*epollEngine) // made by Serve, which has answered
	partial, _ := s.rawConn(t)
	io.WriteString(partial, "GET / HTTP/1.1\r\nHo")
	slow, sbr := s.rawConn(t)
	io.WriteString(slow, "GET /slow HTTP/1.1\r\nHost: h\r\n\r\n")
	hj, _ := s.rawConn(t)
	io.WriteString(hj, "GET /hijack HTTP/1.1\r\nHost: h\r\n\r\n")
	nc := <-hijacked
	waitFor(t, "the connections to be tracked", func() bool { return s.Stats().Conns == 3 && s.Stats().BusyWorkers == 1 })

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- s.Shutdown(ctx)
	}()
	expectClosed(t, parked, pbr)
	close(release)
	if resp, body := roundTrip(t, slow, sbr, "", "GET"); body != "ok" || !resp.Close {
		t.Fatalf("in-flight request: %q, close %v", body, resp.Close)
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	waitFor(t, "the workers to end", func() bool { return s.Stats().Workers == 0 })
	// The hijacked connection still works after Shutdown.
	if _, err := nc.Write([]byte("still here")); err != nil {
		t.Fatalf("hijacked write after Shutdown: %v", err)
	}
	if e.live.Load() != 1 {
		t.Fatalf("%d descriptors registered, want the hijacked one", e.live.Load())
	}
	nc.Close()
	waitFor(t, "the event loops to end", func() bool {
		return e.live.Load() == 0 && countGoroutines("httpserver.(*eventLoop).run") == 0
	})
}

// TestParkedConnectionSize pins what an idle epoll connection costs in
// the two structs it keeps: each within a 96-byte allocation (the idle
// memory target is 0.5 KiB per connection, heap headroom included).
func TestParkedConnectionSize(t *testing.T) {
	if n := unsafe.Sizeof(conn{}); n > 96 {
		t.Errorf("conn is %d bytes, over 96", n)
	}
	if n := unsafe.Sizeof(fdConn{}); n > 96 {
		t.Errorf("fdConn is %d bytes, over 96", n)
	}
}
