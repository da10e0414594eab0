package httpserver

import (
	"context"
	"errors"
	"testing"
	"time"
)

// drainingConn is a trackedConn that is not HTTP/1, as an HTTP/2
// connection will be: it needs several shutdown calls (GOAWAY, then its
// streams finishing) before it is gone.
type drainingConn struct {
	shutdowns, closes    int
	drainAfter           int  // shutdown calls before it is gone; 0: never
	forgetsItselfOnClose bool // closeNow leaves the forgetting to its goroutine
	connSetSlot
}

func (d *drainingConn) shutdown(time.Duration) bool {
	d.shutdowns++
	return d.drainAfter > 0 && d.shutdowns >= d.drainAfter
}

func (d *drainingConn) closeNow() bool {
	d.closes++
	return !d.forgetsItselfOnClose
}

// TestShutdownDrainsTrackedConn: Shutdown asks a tracked connection to
// end until it reports it is gone, and forgets it then; Close (or a
// Shutdown past its deadline) closes it at once.
func TestShutdownDrainsTrackedConn(t *testing.T) {
	s := &Server{}
	s.init()
	d := &drainingConn{drainAfter: 3}
	if !s.trackConn(d, true) || s.Stats().Conns != 1 {
		t.Fatal("not tracked")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if d.shutdowns != 3 || d.closes != 0 || s.Stats().Conns != 0 {
		t.Fatalf("shutdown calls %d, closeNow calls %d, %d conns left; want 3, 0, 0", d.shutdowns, d.closes, s.Stats().Conns)
	}
	if s.trackConn(&drainingConn{}, true) {
		t.Fatal("a connection was tracked after Shutdown")
	}
}

func TestShutdownDeadlineClosesTrackedConn(t *testing.T) {
	s := &Server{}
	s.init()
	d := &drainingConn{} // never drains
	s.trackConn(d, true)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v, want the deadline", err)
	}
	if d.shutdowns == 0 || d.closes != 1 || s.Stats().Conns != 0 {
		t.Fatalf("shutdown calls %d, closeNow calls %d, %d conns left", d.shutdowns, d.closes, s.Stats().Conns)
	}

	// A connection whose own goroutine forgets it stays tracked until it
	// does.
	s2 := &Server{}
	s2.init()
	d2 := &drainingConn{forgetsItselfOnClose: true}
	s2.trackConn(d2, true)
	s2.Close()
	if d2.closes != 1 || s2.Stats().Conns != 1 {
		t.Fatalf("closeNow calls %d, %d conns; want 1, 1 until its goroutine forgets it", d2.closes, s2.Stats().Conns)
	}
	s2.trackConn(d2, false)
	if s2.Stats().Conns != 0 {
		t.Fatal("not forgotten")
	}
}
