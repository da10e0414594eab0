package soak

import (
	"context"
	"io"
	"net"
	"testing"
	"time"
)

// TestTrickleKeepsItsSchedule checks that a trickle whose writes are
// delayed catches up: 20 pieces 15 ms apart, with the reader stalling
// 300 ms at the start, end at about 300 ms, not 585 (the stall plus 19
// full gaps).
func TestTrickleKeepsItsSchedule(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	go func() {
		time.Sleep(300 * time.Millisecond)
		io.Copy(io.Discard, b)
	}()
	start := time.Now()
	if err := trickle(context.Background(), a, make([]byte, 20), 1, 15*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	b.Close()
	if d := time.Since(start); d > 480*time.Millisecond {
		t.Errorf("trickle of 20 x 15 ms took %v after a 300 ms stall", d)
	}
}
