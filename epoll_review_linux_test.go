package httpserver

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Regression guards from a concurrency review of the epoll engine: the
// readiness hand-off between the loop and the goroutines waiting on an
// fdConn (rpend, wpend, EPOLLOUT arming, deadlines, Close), the client
// watch meeting Hijack, and Shutdown leaving no loop or worker behind.

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
			if !f.ready(unix.EPOLLIN) || f.claim() {
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
			if f.ready(unix.EPOLLIN) {
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
			if !f.ready(unix.EPOLLIN) { // nobody waits yet
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
			if f.ready(unix.EPOLLOUT) {
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
			f.ready(unix.EPOLLOUT)
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
			if !f.ready(unix.EPOLLIN) || !f.claim() || f.c.state.Load() != stateActive {
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

// TestHijackWhileClientWatchRuns: a handler that asked for its context
// (the watch reads one byte once the body is consumed) hijacks while
// bytes the client sent after the request arrive; whether the watch took
// the first of them or not, the hijacked reader gets them all, in order.
func TestHijackWhileClientWatchRuns(t *testing.T) {
	forEachEngine(t, func(t *testing.T, start func(Handler, ...func(*Server)) *testServer) {
		sent := make(chan struct{})
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			ctx := r.Context()
			io.Copy(io.Discard, r.Body) // the watch starts here
			<-sent
			nc, brw, err := NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			defer nc.Close()
			nc.SetDeadline(time.Now().Add(5 * time.Second))
			line, err := brw.ReadString('\n')
			if err != nil || line != "ping\n" || ctx.Err() != nil {
				t.Errorf("hijacked read %q, %v; context %v", line, err, ctx.Err())
				return
			}
			brw.WriteString("pong\n")
			brw.Flush()
		}))
		for i := range 20 {
			c, br := s.rawConn(t)
			io.WriteString(c, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi")
			// Let the watch's read start on some rounds and not on others.
			if i%2 == 1 {
				time.Sleep(time.Millisecond)
			}
			io.WriteString(c, "ping\n")
			sent <- struct{}{}
			line, err := br.ReadString('\n')
			if err != nil || line != "pong\n" {
				t.Fatalf("round %d: %q, %v", i, line, err)
			}
			c.Close()
		}
	})
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
