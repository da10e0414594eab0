package httpserver

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"
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
