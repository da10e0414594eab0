package httpserver

import (
	"testing"
	"unsafe"
)

// TestClaimWakesALateReader: the loop reports input in two steps, ready
// (which wakes a waiting reader) and claim (which takes a parked
// connection). A reader of a busy connection that starts waiting between
// the two must be woken by claim: the edge that reported the input will
// not come again. This once only set rpend, and the reader slept.
func TestClaimWakesALateReader(t *testing.T) {
	c := &conn{}
	c.state.Store(stateActive)
	w := &fdWaiter{ch: make(chan struct{}, 1)}
	f := &fdConn{c: c, rw: w}
	if f.claim() {
		t.Fatal("claimed a busy connection")
	}
	select {
	case <-w.ch:
	default:
		t.Fatal("the waiting reader was not woken")
	}
	if f.rw != nil || f.rpend {
		t.Fatalf("after the wake: rw %v, rpend %v", f.rw, f.rpend)
	}
	// With nobody waiting, the input is remembered for the next reader.
	if f.claim() || !f.rpend {
		t.Fatalf("busy, nobody waiting: rpend %v", f.rpend)
	}
	// A parked connection is claimed.
	c.state.Store(stateIdle)
	if !f.claim() || c.state.Load() != stateActive {
		t.Fatal("a parked connection was not claimed")
	}
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
