package httpserver

import (
	"sync/atomic"
	"time"
)

// Socket deadlines cost a timer update in the runtime's poller (or a lock
// and a wake-up in fdConn) each time they change, and a keep-alive request
// used to change them four times: idle wait, header, body, write. They are
// now set only where a read or a write can block on them:
//
//   - The header and body read deadlines (from the request's first byte:
//     Timeouts.ReadHeader, Timeouts.Read) are set lazily, before the first
//     socket read of that phase (fill, readDirect, the client watch). A
//     request whose head and body came in the first read sets neither.
//   - The idle deadline before waiting for the next request, and the
//     write deadline at the start of each response, are left alone when
//     the new one would move later by less than deadlineSlack: the
//     timeout then fires at most that much early. For the write timeout
//     that is harmless by design (a write that times out without progress
//     gets one fresh period, see write_progress.go).
//
// A deadline that anyone else sets (the handler through
// ResponseController, the client watch's interruption) makes the
// remembered one unknown, so the next one is set for sure.

// deadlineSlack is how much earlier than asked an idle or write deadline
// may fire, at most; at most a sixteenth of the timeout.
const deadlineSlack = 50 * time.Millisecond

// socketDeadline remembers the deadline last set on one direction of the
// socket by the connection's own goroutine.
type socketDeadline struct {
	at    time.Time
	known bool
}

// covers reports whether the deadline in force may stand for want, a
// deadline d from now: the same, or earlier by less than the slack.
func (sd *socketDeadline) covers(want time.Time, d time.Duration) bool {
	if !sd.known {
		return false
	}
	if want.IsZero() || sd.at.IsZero() {
		return want.IsZero() && sd.at.IsZero()
	}
	early := want.Sub(sd.at)
	return early >= 0 && early < min(deadlineSlack, d/16+1)
}

// readPhase says which read deadline the next socket read of an exchange
// needs.
type readPhase uint8

const (
	readingHead readPhase = iota // Timeouts.ReadHeader from the first byte
	readingBody                  // Timeouts.Read from the first byte
)

// readDeadlines is a connection's read deadline state.
type readDeadlines struct {
	set   socketDeadline
	phase readPhase
	start time.Time // when the current request began; zero: not read yet
	// filled: the head needed more than the bytes at hand
	filled bool
	// own: the handler set its own read deadline through
	// ResponseController (possibly from another goroutine); the server
	// leaves the socket's read deadline alone until the next request.
	own atomic.Bool
}

// deadlineAfter is from+d, or no deadline when d is not positive.
func deadlineAfter(from time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return time.Time{}
	}
	return from.Add(d)
}

// setReadDeadlineAt sets the socket's read deadline and remembers it.
func (c *conn) setReadDeadlineAt(t time.Time) {
	c.rdl.set = socketDeadline{at: t, known: true}
	c.nc.SetReadDeadline(t)
}

// forgetReadDeadline records that the socket's read deadline was set by
// someone else.
func (c *conn) forgetReadDeadline() { c.rdl.set.known = false }

// beginReadDeadlines starts the read deadline state of a new request; the
// handler's own deadline of the previous one, if any, no longer holds.
// The request's start is read from the clock when first needed: before a
// socket read (microseconds after the bytes at hand arrived, or were
// found buffered behind the previous request) or, for a request with a
// body, once its head is parsed.
func (c *conn) beginReadDeadlines() {
	if c.rdl.own.Load() {
		c.rdl.own.Store(false)
		c.rdl.set.known = false
	}
	c.rdl.start, c.rdl.phase, c.rdl.filled = time.Time{}, readingHead, false
}

// readStart is when the current request began, read from the clock on
// first use.
func (c *conn) readStart() time.Time {
	if c.rdl.start.IsZero() {
		c.rdl.start = time.Now()
	}
	return c.rdl.start
}

// armIdleReadDeadline sets the deadline of the wait for the next request,
// d from now, unless the one in force is close enough.
func (c *conn) armIdleReadDeadline(now time.Time, d time.Duration) {
	if c.rdl.own.Load() {
		c.rdl.own.Store(false)
		c.rdl.set.known = false
	}
	want := deadlineAfter(now, d)
	if !c.rdl.set.covers(want, d) {
		c.setReadDeadlineAt(want)
	}
}

// readPhaseTimeout is the timeout of the current read phase.
func (c *conn) readPhaseTimeout() time.Duration {
	if c.rdl.phase == readingHead {
		return c.srv.cfg.timeouts.ReadHeader
	}
	return c.srv.cfg.timeouts.Read
}

// armReadDeadline makes sure the socket's read deadline is the current
// phase's before a read that may block.
func (c *conn) armReadDeadline() {
	if c.rdl.phase == readingHead {
		c.rdl.filled = true
	}
	if c.rdl.own.Load() {
		return
	}
	want := deadlineAfter(c.readStart(), c.readPhaseTimeout())
	if !c.rdl.set.known || !c.rdl.set.at.Equal(want) {
		c.setReadDeadlineAt(want)
	}
}
