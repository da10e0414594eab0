//go:build linux

package httpserver

import (
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// fdConn is a net.Conn over a non-blocking socket registered with an
// event loop. Reads and writes that would block wait for the loop to
// report readiness, with deadline support, so the connection and response
// code runs on it unchanged. They go through package syscall, not
// golang.org/x/sys/unix: syscall's Read and Write carry the race
// detector's I/O synchronisation that net.Conn users rely on (what a
// handler did happens before the client reads the response), and
// x/sys/unix keeps a separate token. The descriptor is closed under mu, so no read
// or write can reach a descriptor number reused by another connection; a
// sendfile, which may wait for the disk, runs without mu instead and
// closes the descriptor itself if Close came meanwhile (see beginSend).
type fdConn struct {
	fd  int
	gen uint32 // tells this registration from an earlier one of fd

	// Guarded by mu (declared here so the struct packs tightly).
	closed   bool
	rpend    bool // input reported while nobody waited for it
	wpend    bool // room to write reported while nobody waited
	outArmed bool // EPOLLOUT is in the registration

	loop *eventLoop
	c    *conn

	// sending: a sendfile runs outside mu (guarded by mu); a Close
	// meanwhile leaves closing the descriptor to it (see ReadFrom).
	sending bool

	mu     sync.Mutex
	waits  atomic.Uint32 // waits for readiness begun (waitCount); in mu's padding
	rw, ww *fdWaiter     // goroutines waiting to read or write; guarded by mu

	// rmu and wmu serialise whole Read and whole Write/ReadFrom calls, as
	// net.Conn promises to goroutines sharing a (hijacked) connection: one
	// waiter per direction, and a Write's bytes never interleaved with
	// another's. Close and the deadline setters do not take them.
	rmu, wmu sync.Mutex

	rdl, wdl atomic.Int64 // deadlines, unix ns; 0: none
}

// fdWaiter is how a goroutine waits for readiness; pooled so that waiting
// allocates nothing and an idle connection holds none. A connection
// taken over with HijackEvents parks a waiter of its own with a hook
// instead: waking it starts a goroutine to read (see eventedInput).
type fdWaiter struct {
	ch    chan struct{}
	timer *time.Timer
	hook  *eventedConn
}

var waiterPool = sync.Pool{New: func() any {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &fdWaiter{ch: make(chan struct{}, 1), timer: t}
}}

// wake is called with the fdConn's mu held.
func (w *fdWaiter) wake() {
	if w.hook != nil {
		w.hook.readable()
		return
	}
	select {
	case w.ch <- struct{}{}:
	default:
	}
}

// Read implements net.Conn.
func (f *fdConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	f.rmu.Lock()
	defer f.rmu.Unlock()
	// The one deadline in the past that still reads: pastDeadline, with
	// which the worker of a parked TLS connection takes what the socket
	// holds without waiting (readWithoutWaiting); it fails only instead
	// of waiting.
	if f.rdl.Load() != pastDeadline.UnixNano() && deadlinePassed(&f.rdl) {
		return 0, os.ErrDeadlineExceeded
	}
	for {
		f.mu.Lock()
		if f.closed {
			f.mu.Unlock()
			return 0, net.ErrClosed
		}
		n, err := syscall.Read(f.fd, p)
		f.mu.Unlock()
		switch {
		case err == nil && n > 0:
			return n, nil
		case err == nil:
			return 0, io.EOF
		case err == unix.EINTR:
			continue
		case err != unix.EAGAIN:
			return 0, os.NewSyscallError("read", err)
		}
		if err := f.wait(&f.rw, &f.rdl); err != nil {
			return 0, err
		}
	}
}

// mayHaveMore records that input may be left in the socket after a read
// that filled its buffer: the edge that announced it will not come again,
// so the connection reads again when it parks (see armRead).
func (f *fdConn) mayHaveMore() {
	f.mu.Lock()
	f.rpend = true
	f.mu.Unlock()
}

// readNow reads what is available without waiting; it returns
// unix.EAGAIN when nothing is.
func (f *fdConn) readNow(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return 0, net.ErrClosed
	}
	for {
		n, err := syscall.Read(f.fd, p)
		if err == unix.EINTR {
			continue
		}
		if err == nil && n == 0 {
			return 0, io.EOF
		}
		return n, err
	}
}

// Write implements net.Conn.
func (f *fdConn) Write(p []byte) (int, error) {
	f.wmu.Lock()
	defer f.wmu.Unlock()
	return f.write(p)
}

// writeProgress implements progressWriter: Write without the check of
// the deadline before the first attempt, so that a write the socket takes
// reads no clock; the deadline still bounds each wait for room.
func (f *fdConn) writeProgress(p []byte) (int, error) {
	f.wmu.Lock()
	defer f.wmu.Unlock()
	return f.writeAll(p)
}

// write writes all of p, waiting for room as needed; f.wmu is held.
func (f *fdConn) write(p []byte) (int, error) {
	if deadlinePassed(&f.wdl) {
		return 0, os.ErrDeadlineExceeded
	}
	return f.writeAll(p)
}

// writeAll is write after its deadline check; f.wmu is held.
func (f *fdConn) writeAll(p []byte) (int, error) {
	written := 0
	for written < len(p) {
		f.mu.Lock()
		if f.closed {
			f.mu.Unlock()
			return written, net.ErrClosed
		}
		n, err := syscall.Write(f.fd, p[written:])
		f.mu.Unlock()
		if n > 0 {
			written += n
		}
		switch {
		case err == nil || err == unix.EINTR:
			continue
		case err != unix.EAGAIN:
			return written, os.NewSyscallError("write", err)
		}
		if err := f.wait(&f.ww, &f.wdl); err != nil {
			return written, err
		}
	}
	return written, nil
}

// deadlinePassed reports whether the deadline dl (unix ns, 0: none) has
// passed. Read and Write check it before trying the socket: like a
// net.Conn, they fail at once with os.ErrDeadlineExceeded when called past
// their deadline, even with data or room there (the server's own writes
// go through writeProgress instead, which checks it only before waiting).
// A write that made progress and then waited past its deadline returns
// the bytes written with the timeout, which the write progress timeout
// relies on (see writeSocket).
func deadlinePassed(dl *atomic.Int64) bool {
	d := dl.Load()
	return d != 0 && time.Now().UnixNano() >= d
}

// wait blocks until the loop reports the socket ready for the direction
// of slot (f.rw or f.ww), the deadline passes, or the socket closes. The
// registration is edge-triggered: readiness reported while nobody waited
// is kept in rpend/wpend and consumed here. Writers add EPOLLOUT to the
// registration only while they wait, so the loop is not woken by every
// acknowledgement of sent data.
func (f *fdConn) wait(slot **fdWaiter, deadline *atomic.Int64) error {
	reading := slot == &f.rw
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return net.ErrClosed
	}
	if reading && f.rpend || !reading && f.wpend {
		// Ready since the caller's attempt: retry at once.
		f.rpend = f.rpend && !reading
		f.wpend = f.wpend && reading
		f.mu.Unlock()
		return nil
	}
	// The deadline is read under f.mu, where the waiter is published: a
	// deadline set before this point is seen here, one set after finds the
	// waiter and wakes it (setDeadline takes f.mu). Read before the lock,
	// a deadline set in between was lost, and the waiter slept through it.
	dl := deadline.Load()
	var d time.Duration
	if dl != 0 {
		if d = time.Until(time.Unix(0, dl)); d <= 0 {
			f.mu.Unlock()
			return os.ErrDeadlineExceeded
		}
	}
	f.handOnBeforeWait()
	f.waits.Add(1)
	w := waiterPool.Get().(*fdWaiter)
	*slot = w
	var err error
	if !reading && !f.outArmed {
		if err = f.loop.modify(f, true); err == nil {
			f.outArmed = true
		}
	}
	f.mu.Unlock()
	if err == nil {
		if dl != 0 {
			w.timer.Reset(d)
			select {
			case <-w.ch:
			case <-w.timer.C:
			}
			w.timer.Stop()
		} else {
			<-w.ch
		}
	}
	f.mu.Lock()
	if *slot == w {
		*slot = nil
	}
	if f.outArmed && f.ww == nil && !f.closed {
		f.loop.modify(f, false)
		f.outArmed = false
	}
	closed := f.closed
	f.mu.Unlock()
	select {
	case <-w.ch:
	default:
	}
	waiterPool.Put(w)
	switch {
	case closed:
		return net.ErrClosed
	case err != nil:
		return os.NewSyscallError("epoll_ctl", err)
	}
	return nil // the caller retries, and checks the deadline if still blocked
}

// ready is called by the loop with the events reported for f. It wakes
// the goroutines waiting for them and reports whether input arrived that
// no goroutine was waiting for: a new request, if the connection is
// parked. Input for a connection taken over with HijackEvents, parked
// between events, is returned as events instead: the loop serves it.
func (f *fdConn) ready(events uint32) (input bool, hooked *eventedConn) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if events&(unix.EPOLLRDHUP|unix.EPOLLERR|unix.EPOLLHUP) != 0 {
		// The end of input (or an error) is read after the data that
		// came with it, and its edge does not come again: a connection
		// parked once that data is served must read again.
		f.rpend = true
	}
	if events&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLERR|unix.EPOLLHUP) != 0 {
		switch {
		case f.rw == nil:
			input = true
		case f.rw.hook != nil:
			hooked = f.rw.hook
			f.rw = nil
		default:
			f.rw.wake()
			f.rw = nil
		}
	}
	if events&(unix.EPOLLOUT|unix.EPOLLERR|unix.EPOLLHUP) != 0 {
		if f.ww != nil {
			f.ww.wake()
			f.ww = nil
		} else {
			f.wpend = true
		}
	}
	return input, hooked
}

// claim takes a parked connection for reading its new input; when the
// connection is busy the input goes to its reader: one that started
// waiting since ready looked (ready found none, and the edge will not come
// again) is woken, else the input is remembered for whoever reads next.
func (f *fdConn) claim() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.c.state.CompareAndSwap(stateIdle, stateActive) {
		return true
	}
	if f.rw != nil {
		f.rw.wake()
		f.rw = nil
		return false
	}
	f.rpend = true
	return false
}

// armRead implements eventSource, after the connection was marked idle:
// input that arrived while it was busy (its edge is gone) is read now, on
// the calling goroutine, as the loop would have.
func (f *fdConn) armRead() {
	for {
		f.mu.Lock()
		pend := f.rpend
		f.rpend = false
		ok := pend && f.c.state.CompareAndSwap(stateIdle, stateActive)
		f.mu.Unlock()
		if !ok || f.loop.readClaimed(f.c, false) != claimParked {
			return
		}
	}
}

// waitCount implements eventSource.
func (f *fdConn) waitCount() uint32 { return f.waits.Load() }

// idleDeadlineSet implements eventSource.
func (f *fdConn) idleDeadlineSet(until int64) { f.loop.sweepBy(until) }

// Close implements net.Conn. Closing the descriptor also removes it from
// the epoll set.
func (f *fdConn) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return net.ErrClosed
	}
	f.closed = true
	f.loop.forget(f)
	var err error
	if !f.sending { // else the sendfile closes it when it returns
		err = unix.Close(f.fd)
	}
	if f.rw != nil {
		f.rw.wake()
	}
	if f.ww != nil {
		f.ww.wake()
	}
	if err != nil {
		return os.NewSyscallError("close", err)
	}
	return nil
}

// CloseWrite shuts down the sending side (used for lingering close).
func (f *fdConn) CloseWrite() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return net.ErrClosed
	}
	return os.NewSyscallError("shutdown", unix.Shutdown(f.fd, unix.SHUT_WR))
}

// LocalAddr implements net.Conn. It asks the kernel (getsockname), so
// that an idle connection does not keep the address in memory.
func (f *fdConn) LocalAddr() net.Addr { return f.addr(unix.Getsockname) }

// RemoteAddr implements net.Conn, asking the kernel (getpeername).
func (f *fdConn) RemoteAddr() net.Addr { return f.addr(unix.Getpeername) }

func (f *fdConn) addr(get func(int) (unix.Sockaddr, error)) net.Addr {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil
	}
	sa, err := get(f.fd)
	if err != nil {
		return nil
	}
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.TCPAddr{IP: net.IP(sa.Addr[:]).To16(), Port: sa.Port}
	case *unix.SockaddrInet6:
		a := &net.TCPAddr{IP: net.IP(sa.Addr[:]), Port: sa.Port}
		if sa.ZoneId != 0 {
			if ifi, err := net.InterfaceByIndex(int(sa.ZoneId)); err == nil {
				a.Zone = ifi.Name
			}
		}
		return a
	}
	return nil
}

// SetDeadline implements net.Conn.
func (f *fdConn) SetDeadline(t time.Time) error {
	f.SetReadDeadline(t)
	return f.SetWriteDeadline(t)
}

// SetReadDeadline implements net.Conn; a waiting Read re-checks it.
func (f *fdConn) SetReadDeadline(t time.Time) error {
	return f.setDeadline(&f.rdl, &f.rw, t)
}

// SetWriteDeadline implements net.Conn; a waiting Write re-checks it.
func (f *fdConn) SetWriteDeadline(t time.Time) error {
	return f.setDeadline(&f.wdl, &f.ww, t)
}

func (f *fdConn) setDeadline(dl *atomic.Int64, slot **fdWaiter, t time.Time) error {
	var ns int64
	if !t.IsZero() {
		ns = t.UnixNano()
	}
	if dl.Swap(ns) == ns {
		return nil
	}
	f.mu.Lock()
	if *slot != nil {
		(*slot).wake()
	}
	closed := f.closed
	f.mu.Unlock()
	if closed {
		return net.ErrClosed
	}
	return nil
}
