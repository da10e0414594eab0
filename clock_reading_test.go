package httpserver

import (
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// waitCountingSocket is an evented socket whose wait count the test sets.
type waitCountingSocket struct {
	net.Conn
	waits uint32
}

func (s *waitCountingSocket) armRead()              {}
func (s *waitCountingSocket) idleDeadlineSet(int64) {}
func (s *waitCountingSocket) waitCount() uint32     { return s.waits }

// TestIdleFromSharesTheReading: a parked connection's idle time starts at
// the clock reading taken when the handler returned only if the socket
// did not wait since (a write that waited for a slow reader would
// otherwise shorten the idle timeout by its wait), and the reading serves
// one park only.
func TestIdleFromSharesTheReading(t *testing.T) {
	const pause = 20 * time.Millisecond
	tests := []struct {
		name   string
		waited bool
		want   string // "reading": the handler's reading; "fresh": a later one
	}{
		{"no wait since the handler returned", false, "reading"},
		{"the flush waited for room", true, "fresh"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sock := &waitCountingSocket{waits: 7}
			c := &conn{srv: new(Server), nc: sock, evented: true, connIO: new(connIO)}
			c.startWriteClock()
			if !c.wclock.now.IsZero() {
				t.Fatal("a reading is left over while the handler runs")
			}
			c.handlerReturned()
			reading := c.wclock.now
			if got := c.responseNow(); got != reading {
				t.Errorf("responseNow = %v, want the handler's reading %v", got, reading)
			}
			if tt.waited {
				sock.waits++
			}
			time.Sleep(pause)
			got := c.idleFrom()
			switch {
			case tt.want == "reading" && got != reading:
				t.Errorf("idleFrom = %v, want the reading %v", got, reading)
			case tt.want == "fresh" && got.Sub(reading) < pause:
				t.Errorf("idleFrom is %v after the reading, want a fresh one at least %v later", got.Sub(reading), pause)
			}
			if again := c.idleFrom(); again.Sub(reading) < pause {
				t.Errorf("a second idleFrom is %v after the reading, want a fresh one", again.Sub(reading))
			}
		})
	}
}

// TestHandlerReturnedTakesTheLoopReading: a request served in place on an
// event loop takes the loop's clock reading when its handler returns,
// while the serve still holds the loop; once the serve was handed on
// (the loop's serving counter moved) it reads the clock itself.
func TestHandlerReturnedTakesTheLoopReading(t *testing.T) {
	loopNow := time.Now().Add(-time.Hour) // recognisable: no fresh reading is this old
	for _, tt := range []struct {
		name     string
		serving  uint64 // the loop's counter when the handler returns
		wantLoop bool
	}{
		{"serve still holds the loop", 7, true},
		{"serve handed on", 0, false},
		{"loop serving another", 8, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var serving atomic.Uint64
			serving.Store(tt.serving)
			c := &conn{srv: new(Server), nc: &waitCountingSocket{}, evented: true, connIO: new(connIO)}
			c.wclock.loop = loopReading{serving: &serving, seq: 7, now: loopNow}
			c.startWriteClock()
			c.handlerReturned()
			if got := c.wclock.now.Equal(loopNow); got != tt.wantLoop {
				t.Errorf("took the loop's reading: %v, want %v (now %v)", got, tt.wantLoop, c.wclock.now)
			}
		})
	}
	// Without a loop reading (every other engine), the clock is read.
	c := &conn{srv: new(Server), nc: &waitCountingSocket{}, evented: true, connIO: new(connIO)}
	c.handlerReturned()
	if time.Since(c.wclock.now) > time.Minute {
		t.Errorf("reading %v without a loop", c.wclock.now)
	}
}
