package httpserver

import (
	"errors"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The readiness hand-off between an event loop and the goroutines waiting
// on an fdConn: rpend, wpend, EPOLLOUT arming, deadlines, claim and Close,
// played step by step without a running loop.

// testFdConn returns an fdConn over one end of a non-blocking socket pair,
// registered (edge-triggered, input only) with an event loop that does not
// run: the test plays the loop by calling ready and claim. The other end
// is returned for the test to write to or drain.
func testFdConn(t *testing.T) (*fdConn, int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	e := &epollEngine{table: make([]atomic.Pointer[fdConn], max(fds[0], fds[1])+1)}
	l, err := newEventLoop(e)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.close)
	c := &conn{evented: true}
	c.state.Store(stateActive)
	f := &fdConn{fd: fds[0], gen: 1, loop: l, c: c}
	c.nc = f
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLET, Fd: int32(f.fd), Pad: 1}
	if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, f.fd, &ev); err != nil {
		t.Fatal(err)
	}
	e.table[f.fd].Store(f)
	e.live.Add(1)
	t.Cleanup(func() {
		f.Close()
		unix.Close(fds[1])
	})
	return f, fds[1]
}

// fdState is what the fdConn's mutex guards, read under it.
type fdState struct {
	rw, ww                       *fdWaiter
	rpend, wpend, outArmed, done bool
}

func stateOf(f *fdConn) fdState {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fdState{rw: f.rw, ww: f.ww, rpend: f.rpend, wpend: f.wpend, outArmed: f.outArmed, done: f.closed}
}

// fillSocket writes to fd until the kernel has no room left.
func fillSocket(t *testing.T, fd int) {
	t.Helper()
	chunk := make([]byte, 64<<10)
	for range 1 << 10 {
		if _, err := syscall.Write(fd, chunk); err == unix.EAGAIN {
			return
		} else if err != nil {
			t.Fatal(err)
		}
	}
	t.Fatal("the socket never filled")
}

// drainSocket reads what is queued on fd.
func drainSocket(fd int) {
	buf := make([]byte, 64<<10)
	for range 1 << 10 {
		if n, err := syscall.Read(fd, buf); n <= 0 || err != nil {
			return
		}
	}
}

// result is what a background Read or Write returned.
type result struct {
	n   int
	err error
	b   []byte
}

func readAsync(f *fdConn) <-chan result {
	ch := make(chan result, 1)
	go func() {
		b := make([]byte, 16)
		n, err := f.Read(b)
		ch <- result{n, err, b[:n]}
	}()
	return ch
}

func writeAsync(f *fdConn, p []byte) <-chan result {
	ch := make(chan result, 1)
	go func() {
		n, err := f.Write(p)
		ch <- result{n: n, err: err}
	}()
	return ch
}

// await returns the result, failing the test if it takes more than 5 seconds.
func await(t *testing.T, what string, ch <-chan result) result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: still blocked after 5s (a lost wakeup)", what)
		return result{}
	}
}

// TestFdConnReadinessHandOff: every way readiness or an interruption
// reaches a goroutine waiting on an fdConn, with the loop played by hand,
// so each interleaving is exact.
func TestFdConnReadinessHandOff(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, f *fdConn, peer int)
	}{
		{"input claimed while busy is kept for the next reader", func(t *testing.T, f *fdConn, peer int) {
			// The loop reports input while the worker is not reading.
			if !readyInput(f, unix.EPOLLIN) || f.claim() {
				t.Fatal("input on a busy connection: want ready to report it and claim to refuse")
			}
			if st := stateOf(f); !st.rpend {
				t.Fatal("the input was not remembered")
			}
			// Nothing is there after all (a spurious report): the reader
			// consumes rpend, retries, and then waits.
			ch := readAsync(f)
			waitFor(t, "the reader to wait", func() bool { return stateOf(f).rw != nil })
			if st := stateOf(f); st.rpend {
				t.Fatal("rpend survived the reader's retry")
			}
			syscall.Write(peer, []byte("x"))
			if readyInput(f, unix.EPOLLIN) {
				t.Fatal("input reported as new although a reader waited for it")
			}
			if r := await(t, "reader", ch); r.err != nil || string(r.b) != "x" {
				t.Fatalf("read %q, %v", r.b, r.err)
			}
			if st := stateOf(f); st.rw != nil || st.rpend {
				t.Fatalf("after the read: %+v", st)
			}
		}},
		{"a reader waiting between ready and claim is woken by claim", func(t *testing.T, f *fdConn, peer int) {
			syscall.Write(peer, []byte("y"))
			if !readyInput(f, unix.EPOLLIN) { // nobody waits yet
				t.Fatal("input not reported")
			}
			// A reader that found nothing before the bytes came starts
			// waiting now; claim must hand it the edge.
			w := &fdWaiter{ch: make(chan struct{}, 1)}
			f.mu.Lock()
			f.rw = w
			f.mu.Unlock()
			if f.claim() {
				t.Fatal("claimed a busy connection")
			}
			select {
			case <-w.ch:
			default:
				t.Fatal("the reader was not woken")
			}
			if st := stateOf(f); st.rw != nil || st.rpend {
				t.Fatalf("after claim: %+v", st)
			}
		}},
		{"room reported while nobody wrote is kept for the next writer", func(t *testing.T, f *fdConn, peer int) {
			if readyInput(f, unix.EPOLLOUT) {
				t.Fatal("room to write reported as input")
			}
			if st := stateOf(f); !st.wpend {
				t.Fatal("the room was not remembered")
			}
			if err := f.wait(&f.ww, &f.wdl); err != nil {
				t.Fatal(err)
			}
			if st := stateOf(f); st.wpend || st.outArmed || st.ww != nil {
				t.Fatalf("a writer consuming wpend must not arm EPOLLOUT: %+v", st)
			}
		}},
		{"a writer woken by room disarms EPOLLOUT", func(t *testing.T, f *fdConn, peer int) {
			fillSocket(t, f.fd)
			ch := writeAsync(f, []byte("after"))
			waitFor(t, "the writer to wait", func() bool { st := stateOf(f); return st.ww != nil && st.outArmed })
			drainSocket(peer)
			readyInput(f, unix.EPOLLOUT)
			if r := await(t, "writer", ch); r.err != nil || r.n != 5 {
				t.Fatalf("wrote %d, %v", r.n, r.err)
			}
			if st := stateOf(f); st.outArmed || st.ww != nil {
				t.Fatalf("EPOLLOUT left armed: %+v", st)
			}
		}},
		{"a read deadline set while the reader waits wakes it", func(t *testing.T, f *fdConn, peer int) {
			ch := readAsync(f)
			waitFor(t, "the reader to wait", func() bool { return stateOf(f).rw != nil })
			f.SetReadDeadline(aLongTimeAgo)
			if r := await(t, "reader", ch); !errors.Is(r.err, os.ErrDeadlineExceeded) {
				t.Fatalf("read error %v, want a timeout", r.err)
			}
			if st := stateOf(f); st.rw != nil {
				t.Fatal("the waiter stayed published")
			}
		}},
		{"a write deadline set while the writer waits wakes it and disarms EPOLLOUT", func(t *testing.T, f *fdConn, peer int) {
			fillSocket(t, f.fd)
			ch := writeAsync(f, []byte("late"))
			waitFor(t, "the writer to wait", func() bool { return stateOf(f).ww != nil })
			f.SetWriteDeadline(aLongTimeAgo)
			if r := await(t, "writer", ch); !errors.Is(r.err, os.ErrDeadlineExceeded) || r.n != 0 {
				t.Fatalf("wrote %d, %v; want 0 and a timeout", r.n, r.err)
			}
			if st := stateOf(f); st.outArmed || st.ww != nil {
				t.Fatalf("after the timeout: %+v", st)
			}
		}},
		{"a deadline already past fails the wait at once", func(t *testing.T, f *fdConn, peer int) {
			f.SetReadDeadline(aLongTimeAgo)
			if r := await(t, "reader", readAsync(f)); !errors.Is(r.err, os.ErrDeadlineExceeded) {
				t.Fatalf("read error %v, want a timeout", r.err)
			}
			if st := stateOf(f); st.rw != nil {
				t.Fatal("a waiter was published for a read that timed out")
			}
		}},
		{"Close wakes a waiting reader and a waiting writer", func(t *testing.T, f *fdConn, peer int) {
			fillSocket(t, f.fd)
			rch := readAsync(f)
			wch := writeAsync(f, []byte("never"))
			waitFor(t, "both to wait", func() bool { st := stateOf(f); return st.rw != nil && st.ww != nil })
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			if r := await(t, "reader", rch); !errors.Is(r.err, net.ErrClosed) {
				t.Fatalf("read error %v, want net.ErrClosed", r.err)
			}
			if r := await(t, "writer", wch); !errors.Is(r.err, net.ErrClosed) {
				t.Fatalf("write error %v, want net.ErrClosed", r.err)
			}
			if !errors.Is(f.Close(), net.ErrClosed) || f.loop.e.live.Load() != 0 || f.loop.e.table[f.fd].Load() != nil {
				t.Fatal("a second Close, or the registration, was not handled once")
			}
		}},
		{"a parked connection is claimed, and armRead finds nothing pending", func(t *testing.T, f *fdConn, peer int) {
			f.c.state.Store(stateIdle)
			f.armRead() // rpend is clear: it must not claim
			if f.c.state.Load() != stateIdle {
				t.Fatal("armRead claimed a connection with nothing pending")
			}
			if !readyInput(f, unix.EPOLLIN) || !f.claim() || f.c.state.Load() != stateActive {
				t.Fatal("input on a parked connection was not claimed")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, peer := testFdConn(t)
			tt.run(t, f, peer)
		})
	}
}

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

// readyInput is f.ready's input report, for connections not taken over
// with HijackEvents.
func readyInput(f *fdConn, events uint32) bool {
	input, _ := f.ready(events)
	return input
}
