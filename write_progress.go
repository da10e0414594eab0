package httpserver

import (
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"
)

// Response bytes reach the socket through writeSocket and sendFile, which
// apply the write timeouts:
//
//   - Timeouts.Write is a progress timeout. One deadline is set per
//     exchange, as before; a write that fails with a timeout after the
//     socket accepted some of its bytes made progress, so the deadline is
//     moved to now+Write and the write goes on with the rest. A write that
//     times out having accepted nothing gets one fresh period (the
//     deadline may have been set long before it began); only a second
//     timeout without progress aborts the response. So a stalled client
//     is cut between Write and twice Write after the last byte the socket
//     accepted, and the success path costs nothing more than before.
//   - Timeouts.Response caps the whole response, from the end of the
//     request header: the deadline never moves past it.
//   - A deadline the handler sets through ResponseController wins: no
//     extension, the first timeout aborts.
//
// When sending fails, the response is aborted: the error is kept as the
// connection's write error (a ResponseAbortedError), logged once at warn
// level, and the connection closes.

// ResponseAbortedError is the error ResponseWriter methods return once
// sending the response failed: the client accepted nothing for
// [Timeouts.Write], the response outlasted [Timeouts.Response], the
// handler's own write deadline passed, or the connection broke. Nothing
// more is sent and the connection closes after the handler returns. The
// server also logs it at warn level through [Server.Logger].
type ResponseAbortedError struct {
	// Status is the status of the response that was being sent (0 if
	// none was queued yet).
	Status int
	// Sent counts the bytes of the response, status line and header
	// fields included, that the connection accepted before it failed.
	Sent int64
	// Reason says why, e.g. "write timeout: no progress for 2s" or
	// "connection reset by the client".
	Reason string
	// Err is the socket error (errors.Is(err, os.ErrDeadlineExceeded)
	// holds for the timeouts).
	Err error
}

// Error implements error.
func (e *ResponseAbortedError) Error() string {
	return "httpserver: response aborted: " + e.Reason
}

// Unwrap returns the socket error.
func (e *ResponseAbortedError) Unwrap() error { return e.Err }

// writeClock is the write deadline state of a connection's current
// response.
type writeClock struct {
	cap    time.Time // when the response must be sent by; zero: no cap
	sent   int64     // response bytes the socket accepted; negative while earlier answers queued ahead are sent
	status int       // status line queued last, for the abort report
	dl     socketDeadline
	// armPending: the deadline for this response is armed before its
	// first socket write (armPendingWriteDeadline), not when it begins.
	armPending bool
	// own: the handler set its own write deadline, possibly from another
	// goroutine to unblock a write, as a net.Conn deadline allows.
	own atomic.Bool
	// now is the clock read once when the handler returned (see
	// handlerReturned); zero while the handler runs and after the
	// connection parked.
	now time.Time
	// waits is the evented socket's wait count when now was read.
	waits uint32
	// loop is the reading of an event loop serving the connection in
	// place, which handlerReturned takes instead of reading the clock.
	loop loopReading
}

// loopReading is a clock reading that an event loop serving a connection
// in place (EngineEpoll) shares with it: one reading per batch of
// events, renewed once per tick of the loop's watcher (see
// engine_epoll_inplace_linux.go), so a few microseconds to about a
// millisecond old. It is valid while the serve still holds the loop
// (serving still counts seq): a serve handed on for waiting or running
// long reads the clock again.
type loopReading struct {
	serving *atomic.Uint64
	seq     uint64
	now     time.Time
}

// One clock read per request. After the handler returns, the rest of the
// exchange reads the clock once (handlerReturned) and shares the reading:
//
//   - the Date header of a response committed by finish (responseNow);
//   - the write deadline armed before the response's first socket write
//     (armPendingWriteDeadline). A reading made older by what came in
//     between (discarding an unread body) only makes that deadline
//     early, and a write timeout without progress gets a fresh full
//     period from a new reading (keepWriting), so the write timeout
//     still means a full period without progress;
//   - an evented connection's idle deadline at park (idleFrom), only if
//     the socket did not wait since the reading: what runs in between
//     without waiting (the flush, the next pipelined head) takes
//     microseconds, so the idle timeout is not shortened noticeably.
//
// The reading is not always a fresh one: a request served in place on an
// event loop takes the loop's (loopReading), and one with more input
// buffered behind it (pipelining) the server's coarse clock's
// (coarse_clock.go); both are a millisecond or two old at most in normal
// operation, always in the past. Any other reads the clock.
//
// A head committed while the handler runs (a flush, a large body) reads
// the clock for its own Date.

// handlerReturned takes a clock reading for the rest of the exchange.
func (c *conn) handlerReturned() {
	wc := &c.wclock
	switch lr := &wc.loop; {
	case lr.seq != 0 && lr.serving.Load() == lr.seq:
		wc.now = lr.now
	case c.rpos < c.rend:
		// More input waits behind this request, most often the next
		// pipelined one: the coarse clock's ticks are shared by a batch.
		wc.now = c.srv.clock.now()
	default:
		wc.now = time.Now()
	}
	if c.evented {
		if es, ok := c.socket().(eventSource); ok {
			wc.waits = es.waitCount()
		}
	}
}

// responseNow is the clock for the response being committed: the reading
// of handlerReturned once the handler returned, else a fresh one.
func (c *conn) responseNow() time.Time {
	if now := c.wclock.now; !now.IsZero() {
		return now
	}
	return time.Now()
}

// idleFrom is when a parked evented connection's idle time starts: the
// reading of handlerReturned if the socket did not wait since, else a
// fresh one. The reading is used up: a later park reads the clock.
func (c *conn) idleFrom() time.Time {
	wc := &c.wclock
	now := wc.now
	wc.now = time.Time{}
	if now.IsZero() {
		return time.Now()
	}
	if es, ok := c.socket().(eventSource); !ok || es.waitCount() != wc.waits {
		return time.Now()
	}
	return now
}

// startWriteClock starts the write clock for the response to the request
// whose header just ended. With a response cap it reads the clock and
// arms the deadline now; without one, arming waits for the response's
// first socket write, where pipelined answers share one (see
// armPendingWriteDeadline).
func (c *conn) startWriteClock() {
	wc := &c.wclock
	wc.cap, wc.sent, wc.status = time.Time{}, -int64(len(c.wbuf)), 0
	wc.now = time.Time{}
	if wc.own.Load() {
		wc.own.Store(false)
		wc.dl.known = false // the handler's deadline is still on the socket
	}
	if r := c.srv.cfg.timeouts.Response; r > 0 {
		now := time.Now()
		wc.cap = now.Add(r)
		wc.armPending = false
		c.armWriteDeadline(now)
		return
	}
	wc.armPending = true
}

// armPendingWriteDeadline arms the write deadline before the first socket
// write since a response began, unless the handler set its own or the one
// in force is at most deadlineSlack earlier than a full period from now
// (see deadlines.go).
func (c *conn) armPendingWriteDeadline() {
	wc := &c.wclock
	wc.armPending = false
	if wc.own.Load() {
		return
	}
	now := c.responseNow()
	if w := c.srv.cfg.timeouts.Write; wc.dl.covers(deadlineAfter(now, w), w) {
		return
	}
	c.armWriteDeadline(now)
}

// reset readies the clock for another connection.
func (wc *writeClock) reset() {
	wc.cap, wc.sent, wc.status, wc.now = time.Time{}, 0, 0, time.Time{}
	wc.loop = loopReading{}
	wc.own.Store(false)
	wc.dl.known, wc.armPending = false, false
}

// restartWriteClock is for an error response that replaces whatever the
// current one queued: it counts the bytes sent from here on, after the
// queued answers to earlier requests.
func (c *conn) restartWriteClock(status int) {
	c.wclock.status, c.wclock.sent = status, -int64(len(c.wbuf))
}

// armWriteDeadline sets the socket's write deadline to a full Write period
// from now, or to the response cap if that comes first.
func (c *conn) armWriteDeadline(now time.Time) {
	var dl time.Time
	if w := c.srv.cfg.timeouts.Write; w > 0 {
		dl = now.Add(w)
	}
	if cp := c.wclock.cap; !cp.IsZero() && (dl.IsZero() || cp.Before(dl)) {
		dl = cp
	}
	c.wclock.dl = socketDeadline{at: dl, known: true}
	c.nc.SetWriteDeadline(dl)
}

// setOwnWriteDeadline is ResponseController.SetWriteDeadline: the
// handler's deadline replaces the server's for the rest of the response.
func (c *conn) setOwnWriteDeadline(t time.Time) error {
	c.wclock.own.Store(true)
	return c.nc.SetWriteDeadline(t)
}

// writeSocket writes all of p to the socket, keeping the write going while
// the client makes progress. A failure comes back as a
// *ResponseAbortedError, already logged.
func (c *conn) writeSocket(p []byte) (int, error) {
	if c.isTLS() {
		return c.writeTLS(p)
	}
	if c.wclock.armPending {
		c.armPendingWriteDeadline()
	}
	n, err := c.writeProgress(p)
	c.wclock.sent += int64(n)
	if err == nil {
		return n, nil
	}
	done, fresh := n, false
	for c.keepWriting(n > 0, &fresh, err) {
		n, err = c.writeProgress(p[done:])
		done += n
		c.wclock.sent += int64(n)
		if err == nil {
			return done, nil
		}
	}
	return done, c.abortResponse(err)
}

// progressWriter is a socket that can apply a write deadline to waiting
// only (fdConn): it writes what the socket takes even past the deadline,
// and times out only when it would wait for room past it. That is all the
// server's own write deadline needs, the write timeout being about
// progress, and it spares a clock read before every write.
type progressWriter interface {
	writeProgress(p []byte) (int, error)
}

// writeProgress writes p to a plain socket: under the server's own write
// deadline with progressWriter's rule where the socket has it, else (the
// handler's deadline, which fails a write at once once it passed, as on
// any net.Conn) with Write.
func (c *conn) writeProgress(p []byte) (int, error) {
	if pw, ok := c.nc.(progressWriter); ok && !c.wclock.own.Load() {
		return pw.writeProgress(p)
	}
	return c.nc.Write(p)
}

// tlsWriteChunk is how much of a response a TLS connection writes under
// one write deadline.
const tlsWriteChunk = 64 << 10

// writeTLS is writeSocket for a TLS connection. A crypto/tls write that
// times out leaves the connection unusable (the record was sealed, its
// sequence number spent), so the plain socket's way, letting a deadline
// pass and writing on after it, would corrupt the stream: the next record
// would reach the client as a bad MAC. Instead each chunk of at most
// tlsWriteChunk bytes gets a fresh Timeouts.Write period (capped by
// Timeouts.Response) before it is written, so that the write timeout
// still means "no progress for a period", and a handler that pauses
// between writes (a stream of events) writes into a live deadline.
func (c *conn) writeTLS(p []byte) (int, error) {
	wc := &c.wclock
	wc.armPending = false
	done := 0
	for done < len(p) {
		if !wc.own.Load() {
			now := time.Now()
			if c.capPassed(now) {
				return done, c.abortResponse(os.ErrDeadlineExceeded)
			}
			if w := c.srv.cfg.timeouts.Write; !wc.dl.covers(deadlineAfter(now, w), w) || !wc.cap.IsZero() {
				c.armWriteDeadline(now)
			}
		}
		n, err := c.nc.Write(p[done:min(len(p), done+tlsWriteChunk)])
		done += n
		wc.sent += int64(n)
		if err != nil {
			return done, c.abortResponse(err)
		}
	}
	return done, nil
}

// sendFile copies limit bytes of src to the socket through rf (sendfile(2)
// for a regular file), keeping it going while the client makes progress.
// A failure comes back as a *ResponseAbortedError, already logged.
func (c *conn) sendFile(rf io.ReaderFrom, src io.Reader, limit int64) (int64, error) {
	// A socket whose deadline has passed does not try sendfile and copies
	// through a buffer instead, whose bytes a failed write loses: arm a
	// fresh deadline first, so that a timeout comes from sendfile itself,
	// which reads only what the socket took.
	c.wclock.armPending = false
	if !c.wclock.own.Load() {
		c.armWriteDeadline(time.Now())
	}
	lr := &io.LimitedReader{R: src, N: limit}
	var done int64
	fresh := true
	for {
		n, err := rf.ReadFrom(lr)
		done += n
		c.wclock.sent += n
		if err == nil {
			return done, nil
		}
		// Only sendfile reads exactly what the socket accepted; a copy
		// through a buffer (a source that is not a regular file) may have
		// read bytes it could not send, so it is not continued.
		if !isRegularFile(src) || !c.keepWriting(n > 0, &fresh, err) {
			return done, c.abortResponse(err)
		}
	}
}

// keepWriting decides, after a write failed with err, whether to go on:
// only after a timeout of the server's own deadline, before the response
// cap, and while the client progressed (progress) or the deadline in force
// was not yet a fresh full period (*fresh false). It arms the next
// deadline when it says yes.
func (c *conn) keepWriting(progress bool, fresh *bool, err error) bool {
	w := c.srv.cfg.timeouts.Write
	if c.wclock.own.Load() || w <= 0 || !isTimeout(err) {
		return false
	}
	now := time.Now()
	if c.capPassed(now) {
		return false
	}
	if !progress && *fresh {
		return false // nothing accepted for a full period
	}
	*fresh = true
	c.armWriteDeadline(now)
	return true
}

// capPassed reports whether the response cap, if any, has passed at now.
func (c *conn) capPassed(now time.Time) bool {
	return !c.wclock.cap.IsZero() && !now.Before(c.wclock.cap)
}

// abortResponse turns the socket error that ended a response into a
// *ResponseAbortedError, the connection's sticky write error, and logs it.
func (c *conn) abortResponse(err error) error {
	wc := &c.wclock
	ae := &ResponseAbortedError{Status: wc.status, Sent: max(wc.sent, 0), Reason: c.abortReason(err), Err: err}
	args := []any{"remote", c.remoteAddr, "status", ae.Status, "sent", ae.Sent, "reason", ae.Reason}
	if ex := c.ex; ex != nil && ex.res.c == c && !ex.res.released {
		// The exchange is still the handler's: its request is intact.
		args = append(args, "method", ex.req.Method, "target", ex.req.Target)
	}
	c.srv.cfg.logger.Warn("httpserver: response aborted", args...)
	c.werr = ae
	return ae
}

// abortReason says in a few words why a response could not be sent.
func (c *conn) abortReason(err error) string {
	t := &c.srv.cfg.timeouts
	switch {
	case isTimeout(err) && c.wclock.own.Load():
		return "write deadline set by the handler passed"
	case isTimeout(err) && c.capPassed(time.Now()):
		return "response timeout: not sent within " + t.Response.String()
	case isTimeout(err):
		return "write timeout: no progress for " + t.Write.String()
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset by the client"
	case errors.Is(err, syscall.EPIPE):
		return "connection closed by the client"
	case errors.Is(err, net.ErrClosed):
		return "connection closed by the server"
	}
	return err.Error()
}

// isRegularFile reports whether src is a regular *os.File, which the
// socket's ReadFrom sends with sendfile(2).
func isRegularFile(src io.Reader) bool {
	f, ok := src.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode().IsRegular()
}
