package websocket

import (
	"bufio"
	"bytes"
	"context"
	"testing"
	"time"
)

// pipeTestConn is a Conn over a pipeConn: reads come from in, writes are
// discarded.
func pipeTestConn(in []byte) *Conn {
	cfg := (&AcceptOptions{Compression: CompressionDisabled, Group: &Group{}}).withDefaults()
	nc := &pipeConn{r: bytes.NewReader(in)}
	return newConn(nc, bufio.NewReader(nc), cfg, "", nil)
}

// maskedFrames encodes n masked binary frames of payload p.
func maskedFrames(n int, p []byte) []byte {
	var b []byte
	for range n {
		b = append(b, frame{fin: true, op: 0x2, data: p}.encode(true)...)
	}
	return b
}

func isClosed(c *Conn) bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

// A loop passing the same cancellable context (such as r.Context()) to
// every Read and Write registers with it once, not per call: the calls
// allocate no more than with a context that never ends.
func TestCancellableContextAllocations(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	msg := make([]byte, 1024)
	c := pipeTestConn(maskedFrames(300, msg))
	defer c.CloseNow()
	ops := []struct {
		name string
		op   func(context.Context) error
	}{
		{"Write", func(ctx context.Context) error { return c.Write(ctx, MessageBinary, msg) }},
		{"Read", func(ctx context.Context) error { _, _, err := c.Read(ctx); return err }},
	}
	for _, tt := range ops {
		t.Run(tt.name, func(t *testing.T) {
			allocs := func(ctx context.Context) float64 {
				run := func() {
					if err := tt.op(ctx); err != nil {
						t.Fatal(err)
					}
				}
				run() // the first call under ctx registers
				return testing.AllocsPerRun(50, run)
			}
			base, got := allocs(context.Background()), allocs(ctx)
			if got > base {
				t.Errorf("%s: %.1f allocations per call with a cancellable context, %.1f with one that never ends", tt.name, got, base)
			}
		})
	}
}

// A context ending between operations leaves the connection open; the
// next operation under it fails and closes it.
func TestContextEndedBetweenOperations(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	c := pipeTestConn(nil)
	defer c.CloseNow()
	if err := c.Write(ctx, MessageBinary, []byte("a")); err != nil {
		t.Fatal(err)
	}
	cancel()
	time.Sleep(20 * time.Millisecond) // let a callback run, if one would
	if isClosed(c) {
		t.Fatal("the connection closed when an idle context ended")
	}
	c.Write(ctx, MessageBinary, []byte("b")) // writes to a pipeConn succeed
	if !isClosed(c) {
		t.Error("the connection is open after an operation under an ended context")
	}
}

// Switching contexts drops the earlier one: its end no longer closes the
// connection, and the later one's still does.
func TestEarlierContextEndingDoesNotClose(t *testing.T) {
	ctx1, cancel1 := context.WithCancel(context.Background())
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	c := pipeTestConn(nil)
	defer c.CloseNow()
	for _, ctx := range []context.Context{ctx1, ctx2} {
		if err := c.Write(ctx, MessageBinary, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	stop := c.watchWrite(ctx2) // an operation under ctx2 in progress
	cancel1()
	time.Sleep(20 * time.Millisecond)
	if isClosed(c) {
		t.Fatal("the end of an earlier context closed the connection")
	}
	cancel2()
	deadline := time.Now().Add(2 * time.Second)
	for !isClosed(c) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	stop()
	if !isClosed(c) {
		t.Error("the end of the context of an operation in progress did not close the connection")
	}
}

// CloseNow drops the registrations, so that a long-lived context does
// not keep closed connections reachable; later operations register
// nothing.
func TestCloseNowDropsContextWatches(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := pipeTestConn(maskedFrames(1, []byte("m")))
	if _, _, err := c.Read(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Write(ctx, MessageBinary, []byte("m")); err != nil {
		t.Fatal(err)
	}
	if c.rw.reg == nil || c.ww.reg == nil {
		t.Fatal("no registration after a read and a write")
	}
	c.CloseNow()
	c.Write(ctx, MessageBinary, []byte("m"))
	c.watchMu.Lock()
	defer c.watchMu.Unlock()
	if c.rw.reg != nil || c.ww.reg != nil {
		t.Error("a registration outlives CloseNow")
	}
}
