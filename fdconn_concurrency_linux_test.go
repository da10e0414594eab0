package httpserver

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// TestFdConnConcurrentReadersClose: two goroutines reading one fdConn
// both return when it closes. Each Read used to put its waiter in the one
// slot, the second hiding the first from Close, which then slept until
// its deadline (or forever without one).
func TestFdConnConcurrentReadersClose(t *testing.T) {
	f, _ := testFdConn(t)
	f.SetReadDeadline(time.Now().Add(10 * time.Second))
	done := make(chan error, 2)
	for range 2 {
		go func() {
			var b [1]byte
			_, err := f.Read(b[:])
			done <- err
		}()
	}
	waitFor(t, "a reader to wait", func() bool { return stateOf(f).rw != nil })
	time.Sleep(20 * time.Millisecond) // let the second one block too
	f.Close()
	for range 2 {
		select {
		case err := <-done:
			if err == nil {
				t.Error("a Read on a closed fdConn succeeded")
			}
		case <-time.After(2 * time.Second):
			t.Fatal("a reader did not return after Close")
		}
	}
}

// TestHijackedConcurrentWritesStayWhole: on every engine, two goroutines
// writing to one hijacked connection each get their bytes out in one
// piece (net.Conn serialises whole Writes), however the socket drains.
func TestHijackedConcurrentWritesStayWhole(t *testing.T) {
	const size = 8 << 20
	forEachEngine(t, func(t *testing.T, start func(Handler, ...func(*Server)) *testServer) {
		got := make(chan net.Conn, 1)
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			nc, _, err := NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			got <- nc
		}))
		c, br := s.rawConn(t)
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
		nc := <-got
		defer nc.Close()
		nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
		errs := make(chan error, 2)
		for _, b := range []byte{'a', 'b'} {
			go func() {
				_, err := nc.Write(bytes.Repeat([]byte{b}, size))
				errs <- err
			}()
		}
		out := make([]byte, 2*size)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.ReadFull(br, out); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		switches := 0
		for i := 1; i < len(out); i++ {
			if out[i] != out[i-1] {
				switches++
			}
		}
		if switches != 1 {
			t.Fatalf("the two writes were interleaved: %d switches between them", switches)
		}
	})
}
