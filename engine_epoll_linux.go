//go:build linux

package httpserver

import (
	"crypto/tls"
	"errors"
	"math"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// epollEngine multiplexes connections over epoll in one loop per CPU. A
// parked (idle) connection is a registration in a loop, a table slot and
// its conn: no goroutine, no buffers. When bytes arrive, the loop borrows
// buffers, reads, and scans for a complete request head; with one it hands
// the connection to a worker, which serves the buffered requests with the
// ordinary connection code over an fdConn, then parks it again.
//
// On a *net.TCPListener, bare or under ServeTLS's tlsListener,
// connections come from the engine's own accept loop (acceptLoop:
// accept4 straight into non-blocking descriptors, no net.Conn; TLS ones
// wrapped in a tls.Conn, see tls_engine_epoll_linux.go). Other listeners
// go through Serve's loop and handle: a TCP socket's descriptor is
// duplicated out of the runtime's poller and registered with a loop;
// anything else (Unix sockets, other TLS listeners) is served on a
// goroutine.
type epollEngine struct {
	s     *Server
	loops []*eventLoop
	next  atomic.Uint32
	pool  *workerPool

	table []atomic.Pointer[fdConn] // by descriptor
	maxFD atomic.Int64
	gen   atomic.Uint32
	live  atomic.Int64 // registered descriptors

	stopped atomic.Bool
	// inPlace: loops serve requests themselves (serveInPlace); watch
	// hands on those held too long, handOns counts the hand-ons
	// (Stats.HandOns).
	inPlace bool
	watch   inPlaceWatch
	handOns atomic.Uint64
	// runners serve the input of connections taken over with
	// HijackEvents (evented_runners_linux.go).
	runners eventRunners
}

// eventLoop is one epoll instance and the goroutine waiting on it. The
// epoll descriptor is itself registered with Go's runtime poller, so a
// loop with nothing to do is a parked goroutine, not a thread blocked in
// epoll_wait: the scheduler wakes it like any network wait, and the
// workers it readies run without waiting for a blocked thread's P.
type eventLoop struct {
	e      *epollEngine
	epfd   int
	wakefd int
	events []unix.EpollEvent
	file   *os.File        // epfd, for the runtime poller
	rc     syscall.RawConn // of file
	poll   func(uintptr) bool
	n      int    // events found by poll
	err    error  // error of poll
	out    []byte // the loop's own responses (408) are formatted here

	// nextSweep is when the loop next looks for timed-out connections
	// (unix ns, on a sweepGrain boundary): the earliest deadline of its
	// connections, at most maxSweepWait ahead. The epoll descriptor's
	// read deadline wakes the loop then. A connection given an earlier
	// deadline brings it forward (see sweepBy), so a timeout fires within
	// a grain of its deadline, at the cost of one atomic load per park
	// and no timer per connection.
	nextSweep atomic.Int64

	ip inPlace // serving in place (engine_epoll_inplace_linux.go)
}

// Sweep schedule of the event loops: timeouts are rounded up to a grain,
// so that connections parked within the same grain share one sweep; a
// loop sweeps at least every maxSweepWait all the same (which also ends a
// stopped loop once its last descriptor closed).
const (
	sweepGrain   = 20 * time.Millisecond
	maxSweepWait = time.Second
)

// maxTableFDs caps the descriptor table (8 bytes a slot).
const maxTableFDs = 1 << 20

func newEpollEngine(s *Server) (connEngine, error) {
	var rl unix.Rlimit
	size := 65536
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &rl) == nil && rl.Cur > 0 {
		size = int(min(rl.Cur, maxTableFDs))
	}
	e := &epollEngine{s: s, table: make([]atomic.Pointer[fdConn], size), inPlace: !s.cfg.pool.AlwaysHandOff}
	e.watch.e = e
	for range runtime.GOMAXPROCS(0) {
		l, err := newEventLoop(e)
		if err != nil {
			for _, l := range e.loops {
				l.close()
			}
			return nil, err
		}
		e.loops = append(e.loops, l)
	}
	e.pool = newWorkerPool(s.cfg.pool, (*conn).serveEvented)
	for _, l := range e.loops {
		l.scheduleSweep(time.Now().Add(maxSweepWait).UnixNano())
		go l.run(0)
	}
	return e, nil
}

func newEventLoop(e *epollEngine) (*eventLoop, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, err
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wakefd)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wakefd, &ev); err != nil {
		unix.Close(epfd)
		unix.Close(wakefd)
		return nil, err
	}
	l := &eventLoop{e: e, epfd: epfd, wakefd: wakefd, events: make([]unix.EpollEvent, 256)}
	if err := unix.SetNonblock(epfd, true); err != nil {
		l.close()
		return nil, err
	}
	l.file = os.NewFile(uintptr(epfd), "epoll")
	rc, err := l.file.SyscallConn()
	if err != nil {
		l.close()
		return nil, err
	}
	l.rc = rc
	l.poll = func(uintptr) bool {
		l.n, l.err = unix.EpollWait(l.epfd, l.events, 0)
		return l.n > 0 || l.err != nil && l.err != unix.EINTR && l.err != unix.EAGAIN
	}
	return l, nil
}

func (l *eventLoop) close() {
	if l.file != nil {
		l.file.Close()
	} else {
		unix.Close(l.epfd)
	}
	unix.Close(l.wakefd)
}

// wake interrupts the loop's wait.
func (l *eventLoop) wake() {
	one := [8]byte{1}
	unix.Write(l.wakefd, one[:])
}

// run waits for events and handles them until the engine stops and no
// descriptor is left, or until a serve in place hands the loop on to
// another goroutine (see serveInPlace). from is the first of the events
// found by the last poll still to be handled: 0 for a new loop (which
// has found none), more for a goroutine the loop was handed on to.
func (l *eventLoop) run(from int) {
	e := l.e
	for {
		if from >= l.n {
			l.n, l.err = 0, nil
			// poll runs epoll_wait without blocking; when it finds
			// nothing the goroutine parks until the runtime poller sees
			// the epoll descriptor readable, or the sweep deadline.
			if err := l.rc.Read(l.poll); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
				e.s.cfg.logger.Error("httpserver: event loop ends", "err", err)
				l.close()
				return
			}
			if l.err != nil && l.err != unix.EINTR && l.err != unix.EAGAIN {
				e.s.cfg.logger.Error("httpserver: epoll_wait failed; event loop ends", "err", l.err)
				l.close()
				return
			}
			from, l.ip.nowOld = 0, true
		}
		for i := from; i < l.n; i++ {
			ev := &l.events[i]
			fd := int(ev.Fd)
			if fd == l.wakefd {
				var b [8]byte
				unix.Read(l.wakefd, b[:])
				continue
			}
			f := e.table[fd].Load()
			if f == nil || f.gen != uint32(ev.Pad) {
				continue // a stale event of a closed descriptor
			}
			if !l.handle(f, ev.Events, i) {
				return // handed on: another goroutine runs the loop now
			}
		}
		from = l.n
		if e.stopped.Load() && e.live.Load() == 0 {
			l.close()
			return
		}
		if now := time.Now(); now.UnixNano() >= l.nextSweep.Load() {
			// Deadlines set from here on bring the sweep forward
			// themselves; the sweep finds those set before.
			l.nextSweep.Store(math.MaxInt64)
			l.scheduleSweep(l.sweep(now))
		}
	}
}

// scheduleSweep sets the loop's next sweep to at (unix ns) unless a
// connection asked for an earlier one meanwhile.
func (l *eventLoop) scheduleSweep(at int64) {
	at = roundUpToGrain(at)
	for {
		cur := l.nextSweep.Load()
		if cur <= at {
			at = cur
			break
		}
		if l.nextSweep.CompareAndSwap(cur, at) {
			break
		}
	}
	l.file.SetReadDeadline(time.Unix(0, at))
	// A connection that brought the sweep forward between the swap and
	// the line above had its deadline overwritten: set it again.
	if cur := l.nextSweep.Load(); cur < at {
		l.file.SetReadDeadline(time.Unix(0, cur))
	}
}

// sweepBy brings the loop's next sweep forward to a connection's new
// deadline until (unix ns), if that is earlier; called when a connection
// of the loop gets a deadline.
func (l *eventLoop) sweepBy(until int64) {
	until = roundUpToGrain(until)
	for {
		cur := l.nextSweep.Load()
		if until >= cur {
			return
		}
		if l.nextSweep.CompareAndSwap(cur, until) {
			l.file.SetReadDeadline(time.Unix(0, until))
			return
		}
	}
}

// roundUpToGrain rounds a time in unix ns up to a sweepGrain boundary.
func roundUpToGrain(ns int64) int64 {
	g := int64(sweepGrain)
	if ns > math.MaxInt64-g {
		return math.MaxInt64
	}
	return (ns + g - 1) / g * g
}

// handle deals with readiness of f, the event at index at: it wakes a
// goroutine waiting on the socket or, for a parked connection, reads the
// new request and serves it, in place or on a worker. It reports false
// when the calling goroutine is no longer the loop's owner (see
// serveInPlace).
func (l *eventLoop) handle(f *fdConn, events uint32, at int) (owner bool) {
	input, ec := f.ready(events)
	if ec != nil {
		if l.mayServeInPlace() {
			return l.serveInPlace(f, at, ec)
		}
		l.e.runners.start(ec)
		return true
	}
	if !input || !f.claim() {
		return true
	}
	switch l.readClaimed(f.c, true) {
	case claimParked:
		f.armRead()
	case claimServeHere:
		return l.serveInPlace(f, at, f.c)
	}
	return true
}

// claimOutcome is what readClaimed did with a connection.
type claimOutcome uint8

const (
	claimParked    claimOutcome = iota // parked again, waiting for more input
	claimDone                          // handed to a worker, or closed
	claimServeHere                     // to be served in place by the caller
)

// readClaimed reads the input of a connection just claimed from parked.
// With a complete head (or an error, or a full buffer) it hands the
// connection to a worker or, when mayServe (the caller is the loop's
// owner) and the engine serves in place with a worker to spare, reports
// claimServeHere; with a partial head, or nothing, it parks it again and
// reports claimParked, holding no connIO (a partial head is kept in a
// slice of its size: see keepPartialHead); on end of input it closes it.
func (l *eventLoop) readClaimed(c *conn, mayServe bool) claimOutcome {
	if c.lingering {
		// Discarded unread: the raw socket serves, TLS or not.
		if l.discardLingering(c) {
			return claimParked
		}
		return claimDone
	}
	if c.isTLS() {
		l.dispatchTLS(c) // decrypting is a worker's job
		return claimDone
	}
	f := c.nc.(*fdConn)
	c.borrowBuffers()
	if c.rend == len(c.rbuf) {
		c.dropPartialHead()
		return l.dispatch(c, mayServe) // the head outgrew the buffer; the server grows it
	}
	n, err := f.readNow(c.rbuf[c.rend:])
	switch {
	case n > 0:
		first := c.rend == 0
		if first {
			c.scanner.reset()
		}
		c.rend += n
		if c.rend == len(c.rbuf) {
			f.mayHaveMore()
		}
		m, serr := c.scanner.scan(c.rbuf[c.rpos:c.rend], &c.srv.cfg.limits)
		if m > 0 || serr != nil || c.rend == len(c.rbuf) {
			c.scanner.reset()
			c.dropPartialHead()
			return l.dispatch(c, mayServe)
		}
		// A partial head: wait for the rest, keeping its bytes, until
		// ReadHeader from its first byte. (A whole head goes to a worker
		// at once and needs no deadline here: the clock is read only for
		// a head that arrives in pieces.)
		if first {
			c.setIdleDeadline(time.Now(), c.srv.cfg.timeouts.ReadHeader)
		}
	case err == unix.EAGAIN: // nothing more yet (a spurious wake-up)
	default: // the client closed or the socket failed
		c.state.Store(stateClosed)
		c.closeParkedAndForget()
		return claimDone
	}
	if c.rend > c.rpos {
		c.keepPartialHead()
	} else {
		c.releaseBuffers()
	}
	if !c.state.CompareAndSwap(stateActive, stateIdle) {
		// Server.Close closed it meanwhile and left it to its owner.
		c.closeParkedAndForget()
		return claimDone
	}
	return claimParked
}

// discardPool holds the buffers that lingering connections read into and
// discard: one per read burst, not one per connection.
var discardPool = sync.Pool{New: func() any { return new([2048]byte) }}

// discardLingering reads and discards the input of a half-closed
// connection just claimed from parked (see lingeringClose). On the
// client's close (or an error) it closes the connection; when the input
// is drained it parks it again until the client closes or its linger
// deadline passes (the sweep closes it then); a client that sends more
// than lingerMaxBytes in one burst is closed.
func (l *eventLoop) discardLingering(c *conn) (parked bool) {
	f := c.socket().(*fdConn)
	buf := discardPool.Get().(*[2048]byte)
	defer discardPool.Put(buf)
	for read := 0; read < lingerMaxBytes; {
		n, err := f.readNow(buf[:])
		read += n
		switch {
		case n > 0:
			continue
		case err == unix.EAGAIN:
			if !c.state.CompareAndSwap(stateActive, stateIdle) {
				c.closeParkedAndForget() // Server.Close closed it meanwhile
				return false
			}
			return true
		}
		break // the client closed, or the socket failed
	}
	c.state.Store(stateClosed)
	c.closeParkedAndForget()
	return false
}

// dispatch reports claimServeHere for a connection with a request when
// mayServe and the engine serves in place, reserving a worker of the pool
// for the serve; else it hands the connection to a worker, or, with the
// pool and queue full, answers 503 and closes it.
func (l *eventLoop) dispatch(c *conn, mayServe bool) claimOutcome {
	if mayServe && l.mayServeInPlace() {
		return claimServeHere
	}
	if l.e.pool.submit(c) {
		return claimDone
	}
	l.e.s.rejected.Add(1)
	l.e.s.reportOverCapacity(c.remoteAddr)
	f := c.socket().(*fdConn) // a TLS connection is dispatched by dispatchTLS
	b := appendOverCapacity(c.wbuf[:0])
	f.mu.Lock()
	if !f.closed {
		syscall.Write(f.fd, b) // best effort, never waits
	}
	f.mu.Unlock()
	c.state.Store(stateClosed)
	c.closeParkedAndForget()
	return claimDone
}

// sweep closes this loop's parked connections whose idle time ran out,
// and sends those stuck in a partial head to a worker to answer 408. It
// returns when the next sweep is due: the earliest deadline still ahead,
// at most maxSweepWait from now.
func (l *eventLoop) sweep(now time.Time) (next int64) {
	e := l.e
	ns := now.UnixNano()
	next = ns + int64(maxSweepWait)
	defer func() { next = max(next, ns+1) }() // never in the past
	top := int(e.maxFD.Load())
	for fd := 0; fd <= top && fd < len(e.table); fd++ {
		f := e.table[fd].Load()
		if f == nil || f.loop != l {
			continue
		}
		c := f.c
		until := c.idleUntil.Load()
		if until == 0 {
			continue
		}
		if ns < until {
			next = min(next, until)
			continue
		}
		if c.state.Load() != stateIdle {
			continue
		}
		if !c.state.CompareAndSwap(stateIdle, stateActive) {
			continue
		}
		if u := c.idleUntil.Load(); u == 0 || ns < u {
			// It was served and parked again, with a new deadline,
			// since until was read: give it back.
			if c.state.CompareAndSwap(stateActive, stateIdle) {
				if u != 0 {
					next = min(next, u)
				}
				f.armRead() // input a failed claim left pending meanwhile
			} else {
				c.closeParkedAndForget() // Server.Close closed it meanwhile
			}
			continue
		}
		if c.partial != nil { // a partial head is kept
			c.dropPartialHead()
			l.answerTimeout(c)
			continue
		}
		if c.lingering && c.lingerLonger(os.ErrDeadlineExceeded) {
			// The response is still on its way: linger on.
			c.setIdleDeadline(now, lingerTimeout)
			if c.state.CompareAndSwap(stateActive, stateIdle) {
				next = min(next, c.idleUntil.Load())
				f.armRead() // input a failed claim left pending meanwhile
			} else {
				c.closeParkedAndForget() // Server.Close closed it meanwhile
			}
			continue
		}
		c.state.Store(stateClosed)
		c.closeParkedAndForget()
	}
	return next
}

// answerTimeout answers 408 to a parked connection whose request head did
// not arrive in time, which the sweep just took, and closes it in stages.
// The loop writes the answer itself, without waiting: a connection stuck
// in a head has nothing else queued, so its socket has room for the few
// hundred bytes. So many connections timing out together cost no worker
// (or goroutine) each, and lingering holds no buffer (see parkLingering).
func (l *eventLoop) answerTimeout(c *conn) {
	f := c.socket().(*fdConn) // never TLS: the loop buffers no TLS input
	c.srv.cfg.logger.Debug("httpserver: rejected request", "remote", c.remoteAddr, "status", StatusRequestTimeout, "err", errHeadTimeout)
	l.out = c.appendError(l.out[:0], StatusRequestTimeout, "", true)
	c.reportRejected(StatusRequestTimeout, errHeadTimeout, false)
	f.mu.Lock()
	if !f.closed {
		syscall.Write(f.fd, l.out) // best effort, never waits
	}
	f.mu.Unlock()
	c.lingeringClose()
	if !c.lingering || !c.parkLingering() {
		c.state.Store(stateClosed)
		c.closeParkedAndForget()
	}
}

// modify sets f's registration: input, and output too while a writer
// waits; edge-triggered. f.mu is held.
func (l *eventLoop) modify(f *fdConn, out bool) error {
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLET, Fd: int32(f.fd), Pad: int32(f.gen)}
	if out {
		ev.Events |= unix.EPOLLOUT
	}
	return unix.EpollCtl(l.epfd, unix.EPOLL_CTL_MOD, f.fd, &ev)
}

// forget removes f from the table before its descriptor is closed; f.mu
// is held.
func (l *eventLoop) forget(f *fdConn) {
	if l.e.table[f.fd].CompareAndSwap(f, nil) {
		l.e.live.Add(-1)
	}
}

// handle implements connEngine for connections accepted by Serve's
// generic loop (listeners that are not TCP listeners): a TCP socket is
// taken out of the runtime's poller and registered with a loop.
func (e *epollEngine) handle(nc net.Conn) {
	raddr := peerOf(nc.RemoteAddr())
	fd, ok := e.adopt(nc)
	if !ok {
		goroutineEngine{e.s}.handle(nc)
		return
	}
	e.register(fd, raddr, nil)
}

// acceptLoop implements acceptingEngine: on a TCP listener it accepts with
// accept4(2) straight into non-blocking descriptors, waiting for the
// listener through the runtime poller, so a connection costs no net.Conn
// and no registration with the runtime. (A listener's own RawConn cannot
// wait, so the loop waits on a duplicate of its descriptor, closed with
// the listener.)
func (e *epollEngine) acceptLoop(l net.Listener) (bool, error) {
	l, tlsConfig := unwrapTLSListener(l)
	tl, ok := l.(*net.TCPListener)
	if !ok {
		return false, nil
	}
	lrc, err := tl.SyscallConn()
	if err != nil {
		return false, nil
	}
	dup := -1
	var derr error
	if err := lrc.Control(func(fd uintptr) {
		dup, derr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0)
	}); err != nil || derr != nil {
		return false, nil
	}
	if unix.SetNonblock(dup, true) != nil {
		unix.Close(dup)
		return false, nil
	}
	lf := os.NewFile(uintptr(dup), "listener")
	s := e.s
	if !s.trackCloser(lf, true) {
		lf.Close()
		return true, ErrServerClosed
	}
	defer s.trackCloser(lf, false)
	defer lf.Close()
	rc, err := lf.SyscallConn()
	if err != nil {
		return true, err
	}
	var (
		nfd   int
		raddr peerAddr
		aerr  error
	)
	accept := func(fd uintptr) bool {
		nfd, raddr, aerr = acceptPeer(int(fd))
		return aerr != unix.EAGAIN
	}
	var backoff time.Duration
	for {
		if err := rc.Read(accept); err != nil {
			if s.shuttingDown() {
				return true, ErrServerClosed
			}
			return true, err
		}
		if aerr != nil {
			if s.shuttingDown() {
				return true, ErrServerClosed
			}
			if aerr == unix.EINTR {
				continue
			}
			if isTemporaryAcceptError(aerr) {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.cfg.logger.Warn("httpserver: accept error; retrying", "err", aerr, "delay", backoff)
				time.Sleep(backoff)
				continue
			}
			return true, os.NewSyscallError("accept4", aerr)
		}
		backoff = 0
		if max := s.cfg.limits.MaxConns; max > 0 && s.connCount.Load() >= int64(max) || nfd >= len(e.table) {
			s.rejected.Add(1)
			if tlsConfig == nil { // a plain 503 would be garbage to a TLS client
				syscall.Write(nfd, appendOverCapacity(make([]byte, 0, 192))) // best effort, never waits
			}
			s.reportOverCapacity(raddr)
			unix.Close(nfd)
			continue
		}
		// Accepted sockets get TCP_NODELAY, as Go's own do.
		unix.SetsockoptInt(nfd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		e.register(nfd, raddr, tlsConfig)
	}
}

// register parks a new connection's descriptor on a loop until its first
// request (or, with tlsConfig, its TLS handshake).
func (e *epollEngine) register(fd int, raddr peerAddr, tlsConfig *tls.Config) {
	f := &fdConn{fd: fd, gen: e.gen.Add(1)}
	f.loop = e.loops[int(e.next.Add(1))%len(e.loops)]
	c := &conn{srv: e.s, nc: f, evented: true, remoteAddr: raddr}
	if tlsConfig != nil {
		c.nc = tls.Server(&helloRecords{Conn: f}, tlsConfig)
	}
	f.c = c
	// The descriptor is published (table, live count) before the
	// connection is tracked, so that a Shutdown closing it as soon as it
	// is tracked also forgets it; until then, and until its deadline is
	// set below, the sweep leaves it alone.
	e.table[fd].Store(f)
	e.live.Add(1)
	for {
		top := e.maxFD.Load()
		if int64(fd) <= top || e.maxFD.CompareAndSwap(top, int64(fd)) {
			break
		}
	}
	if !e.s.trackConn(c, true) {
		f.Close() // forgets it and closes the descriptor
		return
	}
	c.setIdleDeadline(time.Now(), c.idleTimeout())
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLET, Fd: int32(fd), Pad: int32(f.gen)}
	f.mu.Lock()
	var err error
	if !f.closed { // a Shutdown may have closed it already
		err = unix.EpollCtl(f.loop.epfd, unix.EPOLL_CTL_ADD, fd, &ev)
	}
	f.mu.Unlock()
	if err != nil {
		e.s.cfg.logger.Warn("httpserver: epoll_ctl failed; closing connection", "err", err)
		if c.state.CompareAndSwap(stateIdle, stateClosed) {
			c.closeParkedAndForget()
		}
	}
}

// adopt duplicates the descriptor of a TCP connection and closes the
// original, leaving a non-blocking socket that only this engine polls.
func (e *epollEngine) adopt(nc net.Conn) (int, bool) {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return -1, false
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return -1, false
	}
	fd := -1
	var derr error
	if err := rc.Control(func(s uintptr) {
		fd, derr = unix.FcntlInt(s, unix.F_DUPFD_CLOEXEC, 0)
	}); err != nil || derr != nil {
		return -1, false
	}
	if fd >= len(e.table) || unix.SetNonblock(fd, true) != nil {
		unix.Close(fd)
		return -1, false
	}
	tc.Close()
	return fd, true
}

func (e *epollEngine) stats(st *Stats) {
	e.pool.stats(st)
	for _, l := range e.loops {
		st.ServedInPlace += l.ip.seq.Load() // one sequence number per serve in place
	}
	st.HandOns = e.handOns.Load()
}

// stop ends the loops once their descriptors are all closed (hijacked
// connections keep theirs working) and the pool's idle workers.
func (e *epollEngine) stop() {
	if e.stopped.Swap(true) {
		return
	}
	for _, l := range e.loops {
		l.wake()
	}
	e.pool.stop()
	e.runners.close()
}
