package http2

import (
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rawsock/httpserver/internal/http2/hpack"
)

// Handler serves the request streams of a [ServerConn]. ServeStream runs
// on its own goroutine, one per stream, concurrently with the other
// streams of the connection. The Stream and everything it hands out
// belong to the connection and are reused once ServeStream returns
// (in -race builds a use after return panics).
type Handler interface {
	ServeStream(*Stream)
}

// HandlerFunc adapts a function to [Handler].
type HandlerFunc func(*Stream)

// ServeStream calls f(s).
func (f HandlerFunc) ServeStream(s *Stream) { f(s) }

// streamState is the state of a stream (RFC 9113 §5.1). A server never
// reserves streams (it does not push), so the reserved states are absent;
// idle and closed streams have no Stream object: idle is "above the
// highest identifier seen", closed "at or below it and not open".
type streamState uint8

const (
	stateOpen             streamState = iota
	stateHalfClosedRemote             // the client sent END_STREAM
	stateHalfClosedLocal              // the server sent END_STREAM
	stateClosed
)

// Stream is one request/response exchange of an HTTP/2 connection, as a
// [Handler] sees it: the validated request, its body (as an io.Reader
// with flow control: WINDOW_UPDATE frames follow what the handler reads),
// its trailers, and the response methods.
//
// Every method is safe for concurrent use with the connection; the
// handler itself should call them from one goroutine at a time.
type Stream struct {
	c       *ServerConn
	id      uint32
	handler Handler

	pseudo        Pseudo
	req           fieldStore // pseudo-headers first, then regular fields
	npseudo       int
	trailers      fieldStore
	contentLength int64

	// Everything below is guarded by c.mu.
	cond  sync.Cond // wakes the handler: body data, buffer space, reset
	state streamState
	// inMap: the stream is in c.streams (open or half-closed).
	inMap       bool
	handlerDone bool
	// released: the handler returned; uses panic in -race builds. Atomic
	// because a misbehaving handler's goroutine reads it without c.mu.
	released   atomic.Bool
	queued     bool // in c.ready
	resetErr   error
	done       chan struct{} // made by Done, closed on reset/close
	doneClosed bool

	// request body
	in         []byte
	inOff      int
	inEOF      bool
	bodyClosed bool // the handler no longer reads: discard DATA
	received   int64
	recvWin    recvWindow

	// response
	sendWin     sendWindow
	hdr         fieldStore
	hdrStatus   int
	hdrPending  bool
	hdrEnd      bool // the pending HEADERS carries END_STREAM
	hdrTrailers bool // the pending HEADERS are trailers
	finalSent   bool // a final (non-1xx) status was queued
	out         []byte
	outOff      int
	lent        bool // out is the slice of a Write in progress (lendLocked)
	endPending  bool // END_STREAM to send once out is drained
	endQueued   bool // the handler ended the response
	sentEnd     bool // END_STREAM written
	// stalledSince is when Write started waiting for buffer space that
	// the client's windows do not free; zero while it makes progress.
	stalledSince time.Time

	// The handler's deadlines (SetReadDeadline, SetWriteDeadline), and
	// the timer that wakes a Read or Write waiting past the earlier one.
	// The timer is kept when the Stream is pooled.
	readDeadline, writeDeadline time.Time
	deadlineTimer               *time.Timer
	timerMayFire                bool // armed and not known stopped
}

// ID returns the stream identifier.
func (s *Stream) ID() uint32 { return s.id }

// Pseudo returns the validated request pseudo-header fields. The strings
// are valid until the handler returns.
func (s *Stream) Pseudo() *Pseudo { s.check(); return &s.pseudo }

// Header returns the regular request fields in the order received, names
// lowercase (RFC 9113 §8.2.1). The slice and its strings are valid until
// the handler returns. Cookie crumbs (§8.2.3) are separate fields.
func (s *Stream) Header() []hpack.HeaderField { s.check(); return s.req.fields[s.npseudo:] }

// ContentLength returns the request's content-length, or -1 when absent.
// The server has checked that the body length matches (RFC 9113 §8.1.1).
func (s *Stream) ContentLength() int64 { s.check(); return s.contentLength }

// Trailers returns the request trailers; they are complete once Read has
// returned io.EOF, and valid until the handler returns.
func (s *Stream) Trailers() []hpack.HeaderField {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	s.check()
	if !s.inEOF {
		return nil
	}
	return s.trailers.fields
}

// check panics when the stream is used after its handler returned; it can
// only see that in -race builds, where Stream objects are not reused.
func (s *Stream) check() {
	if raceEnabled && s.released.Load() {
		panic(ErrUsedAfterReturn)
	}
}

// Done returns a channel closed when the stream is reset (by the peer or
// the server) or the connection ends: the handler's work is no longer
// wanted.
func (s *Stream) Done() <-chan struct{} {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	s.check()
	if s.done == nil {
		s.done = make(chan struct{})
		if s.doneClosed {
			close(s.done)
		}
	}
	return s.done
}

// Err returns why Done was closed: ErrStreamReset or ErrConnClosed.
func (s *Stream) Err() error {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	return s.resetErr
}

// abortLocked ends the stream's exchange with err: readers and writers
// wake up and fail, Done closes, pending output is dropped.
func (s *Stream) abortLocked(err error) {
	if s.resetErr == nil {
		s.resetErr = err
	}
	if !s.doneClosed {
		s.doneClosed = true
		if s.done != nil {
			close(s.done)
		}
	}
	s.out, s.outOff = s.out[:0], 0
	s.hdrPending = false
	s.endPending = false
	s.cond.Broadcast()
}

// Read reads the request body. It returns io.EOF after END_STREAM (the
// trailers are then available), ErrStreamReset or ErrConnClosed.
func (s *Stream) Read(p []byte) (int, error) {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	s.check()
	for s.inOff == len(s.in) {
		if s.resetErr != nil {
			return 0, s.resetErr
		}
		if s.inEOF {
			return 0, io.EOF
		}
		if len(p) == 0 {
			return 0, nil
		}
		if pastDeadline(s.readDeadline) {
			return 0, os.ErrDeadlineExceeded
		}
		s.cond.Wait()
	}
	n := copy(p, s.in[s.inOff:])
	s.inOff += n
	if s.inOff == len(s.in) {
		s.in, s.inOff = s.in[:0], 0
	}
	c.consumeLocked(s, uint32(n))
	return n, nil
}

// WriteHeaders sends a response head: status and fields (names are
// lowercased and connection-specific fields dropped, RFC 9113 §8.2).
// A status below 200 is an informational response and may be sent
// several times before the final one. endStream ends the response
// (no body).
func (s *Stream) WriteHeaders(status int, fields []hpack.HeaderField, endStream bool) error {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	s.check()
	if s.finalSent {
		return ErrHeadersWritten
	}
	if err := s.waitHeaderSlotLocked(); err != nil {
		return err
	}
	informational := status >= 100 && status < 200
	s.hdr.set(fields, true)
	s.hdrStatus = status
	s.hdrPending = true
	s.hdrTrailers = false
	s.hdrEnd = endStream && !informational
	if !informational {
		s.finalSent = true
		if endStream {
			s.endQueued = true
		}
	}
	c.readyLocked(s)
	return nil
}

// waitHeaderSlotLocked waits until the previous HEADERS (a 1xx) was
// handed to the writer.
func (s *Stream) waitHeaderSlotLocked() error {
	for s.hdrPending {
		if s.resetErr != nil {
			return s.resetErr
		}
		s.cond.Wait()
	}
	return s.resetErr
}

// Write sends response data; it sends a 200 head first when WriteHeaders
// was not called. It blocks while the stream has
// Limits.StreamWriteBuffer bytes the peer's windows do not let the server
// send, until they do, the stream is reset or the connection ends.
func (s *Stream) Write(p []byte) (int, error) {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	s.check()
	if s.endQueued {
		return 0, ErrStreamEnded
	}
	if pastDeadline(s.writeDeadline) {
		return 0, os.ErrDeadlineExceeded
	}
	if !s.finalSent {
		if err := s.waitHeaderSlotLocked(); err != nil {
			return 0, err
		}
		s.hdr.reset()
		s.hdrStatus, s.hdrPending, s.hdrEnd, s.hdrTrailers, s.finalSent = 200, true, false, false, true
		c.readyLocked(s)
	}
	written := 0
	if len(p) >= lendMin && s.outOff == len(s.out) &&
		int64(len(p)) <= min(s.sendWin.avail(), c.sendConn.avail()) {
		n, err := s.lendLocked(p)
		if err != nil || n == len(p) {
			return n, err
		}
		// The windows closed before the writer took it all: the rest
		// is buffered like any write.
		p, written = p[n:], n
	}
	limit := c.cfg.Limits.StreamWriteBuffer
	for len(p) > 0 {
		if s.resetErr != nil {
			return written, s.resetErr
		}
		buffered := len(s.out) - s.outOff
		if buffered >= limit {
			if pastDeadline(s.writeDeadline) {
				return written, os.ErrDeadlineExceeded
			}
			if s.stalledSince.IsZero() {
				s.stalledSince = time.Now()
			}
			s.cond.Wait()
			continue
		}
		s.stalledSince = time.Time{}
		if s.outOff > 0 && cap(s.out)-len(s.out) < len(p) {
			n := copy(s.out, s.out[s.outOff:])
			s.out, s.outOff = s.out[:n], 0
		}
		n := min(len(p), limit-buffered)
		s.out = append(s.out, p[:n]...)
		p = p[n:]
		written += n
		c.readyLocked(s)
	}
	return written, nil
}

// lendMin is the Write from which the stream lends the caller's slice to
// the writer instead of copying it (lendLocked).
const lendMin = 16 << 10

// lendLocked sends p, which the peer's windows took whole when Write
// began, without copying it into the stream's buffer: the writer frames
// DATA straight from p (copying it into its batch), and lendLocked waits
// until it has, so that p is not used after Write returns. A large body
// so costs one copy instead of two. When a window closes first (another
// stream took the connection's; the writer then wakes this one, see
// canWriteLocked), it returns how much was framed and the caller buffers
// the rest. The stream's own buffer is empty (the caller checked), and is
// put back when p is done with.
func (s *Stream) lendLocked(p []byte) (int, error) {
	own := s.out[:0]
	s.out, s.outOff, s.lent = p, 0, true
	s.c.readyLocked(s)
	var err error
	for s.outOff < len(s.out) {
		if s.resetErr != nil {
			err = s.resetErr
			break
		}
		if pastDeadline(s.writeDeadline) {
			err = os.ErrDeadlineExceeded
			break
		}
		if s.sendWin.avail() == 0 || s.c.sendConn.avail() == 0 {
			break
		}
		s.cond.Wait()
	}
	// After a reset (resetLocked cleared out) what was sent is not known:
	// n is 0 then, with the reset's error.
	n := s.outOff
	s.out, s.outOff, s.lent = own, 0, false
	return n, err
}

// SetReadDeadline sets when a Read waiting for request body fails with
// os.ErrDeadlineExceeded, as on a net.Conn; the zero time means none.
func (s *Stream) SetReadDeadline(t time.Time) {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	s.check()
	s.readDeadline = t
	s.armDeadlineLocked()
}

// SetWriteDeadline sets when a Write fails with os.ErrDeadlineExceeded:
// at once after it, or while waiting for the client's windows to take
// the buffered response; the zero time means none.
func (s *Stream) SetWriteDeadline(t time.Time) {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	s.check()
	s.writeDeadline = t
	s.armDeadlineLocked()
}

// armDeadlineLocked sets the timer to wake the handler at the earlier
// deadline.
func (s *Stream) armDeadlineLocked() {
	next := s.readDeadline
	if next.IsZero() || !s.writeDeadline.IsZero() && s.writeDeadline.Before(next) {
		next = s.writeDeadline
	}
	if next.IsZero() {
		if s.timerMayFire && s.deadlineTimer.Stop() {
			s.timerMayFire = false
		}
		return
	}
	d := time.Until(next)
	if s.deadlineTimer == nil {
		s.deadlineTimer = time.AfterFunc(d, s.deadlinePassed)
	} else {
		s.deadlineTimer.Reset(d)
	}
	s.timerMayFire = true
}

// deadlinePassed wakes a Read or Write waiting on the stream; they find
// their deadline past. A Stream whose timer may still fire is not pooled
// (maybeReleaseLocked), so s.c is the connection that armed it.
func (s *Stream) deadlinePassed() {
	c := s.c
	c.mu.Lock()
	s.cond.Broadcast()
	c.mu.Unlock()
}

// pastDeadline reports whether the deadline t is set and past.
func pastDeadline(t time.Time) bool { return !t.IsZero() && !time.Now().Before(t) }

// Flush is a no-op kept for the adapter's convenience: buffered data is
// always handed to the connection's writer at once and sent as soon as
// the flow-control windows allow.
func (s *Stream) Flush() error {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	s.check()
	return s.resetErr
}

// WriteTrailers ends the response with a trailer field block (RFC 9113
// §8.1); pseudo-header fields are not allowed in it and are dropped.
func (s *Stream) WriteTrailers(fields []hpack.HeaderField) error {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	s.check()
	if s.endQueued {
		return ErrHeadersWritten
	}
	if !s.finalSent {
		if err := s.waitHeaderSlotLocked(); err != nil {
			return err
		}
		s.hdr.reset()
		s.hdrStatus, s.hdrPending, s.hdrEnd, s.hdrTrailers, s.finalSent = 200, true, false, false, true
		c.readyLocked(s)
	}
	if err := s.waitHeaderSlotLocked(); err != nil {
		return err
	}
	s.hdr.set(fields, true)
	n := 0
	for _, f := range s.hdr.fields {
		if f.Name != "" && f.Name[0] != ':' {
			s.hdr.fields[n] = f
			n++
		}
	}
	s.hdr.fields = s.hdr.fields[:n]
	s.hdrPending, s.hdrEnd, s.hdrTrailers = true, true, true
	s.endQueued = true
	c.readyLocked(s)
	return nil
}

// Close ends the response (END_STREAM after the buffered data), sending a
// 200 head first if none was written. The handler returning does the same.
func (s *Stream) Close() error {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	s.check()
	return c.endResponseLocked(s)
}

// Reset ends the stream with RST_STREAM carrying code (RFC 9113 §6.4).
func (s *Stream) Reset(code ErrCode) {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	s.check()
	if s.state == stateClosed {
		return
	}
	c.resetStreamLocked(s.id, code, false)
}
