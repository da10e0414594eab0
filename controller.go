package httpserver

import (
	"bufio"
	"io"
	"net"
	"time"
)

// ResponseController reaches the capabilities of a [ResponseWriter] beyond
// its interface. It looks for each capability on the writer itself and then
// on every writer reached through Unwrap() ResponseWriter, so middleware that
// wraps the writer must implement Unwrap to keep them reachable.
type ResponseController struct {
	rw ResponseWriter
}

// NewResponseController returns a controller for w.
func NewResponseController(w ResponseWriter) ResponseController {
	return ResponseController{rw: w}
}

// find walks the Unwrap chain from the controller's writer and returns the
// first writer for which has reports true.
func find[T any](w ResponseWriter) (T, bool) {
	for w != nil {
		if t, ok := w.(T); ok {
			return t, true
		}
		u, ok := w.(interface{ Unwrap() ResponseWriter })
		if !ok {
			break
		}
		w = u.Unwrap()
	}
	var zero T
	return zero, false
}

// Flush sends any buffered response data to the client.
func (c ResponseController) Flush() error {
	return c.rw.Flush()
}

// Hijacker is implemented by writers whose connection can be taken over.
type Hijacker interface {
	// Hijack hands the connection to the caller, with a reader holding any
	// bytes already received after the request. The server no longer
	// touches the connection; the caller must close it. One exception: if
	// the handler that hijacked panics (ErrAbortHandler included), the
	// server, which recovers the panic and logs it, closes the connection,
	// even when the handler had passed it to another goroutine: a panic
	// means the code that owned the connection is gone, and a connection
	// nobody owns would stay open, and its descriptor with it, until the
	// process ends. A handler that wants the connection to outlive a panic
	// must recover the panic itself.
	Hijack() (net.Conn, *bufio.ReadWriter, error)
}

// Hijack takes over the connection, for protocol upgrades. It fails with
// ErrNotSupported when no writer in the chain can be hijacked (HTTP/2).
// The caller closes the connection, unless its handler panics: then the
// server does (see [Hijacker]).
func (c ResponseController) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h, ok := find[Hijacker](c.rw); ok {
		return h.Hijack()
	}
	return nil, nil, ErrNotSupported
}

type readDeadliner interface{ SetReadDeadline(time.Time) error }
type writeDeadliner interface{ SetWriteDeadline(time.Time) error }

// SetReadDeadline sets the deadline for reading the request body; the zero
// time means none. It overrides the server's read timeout for this request.
func (c ResponseController) SetReadDeadline(t time.Time) error {
	if d, ok := find[readDeadliner](c.rw); ok {
		return d.SetReadDeadline(t)
	}
	return ErrNotSupported
}

// SetWriteDeadline sets the deadline for writing the response; the zero time
// means none. It overrides the server's write timeout for this request.
func (c ResponseController) SetWriteDeadline(t time.Time) error {
	if d, ok := find[writeDeadliner](c.rw); ok {
		return d.SetWriteDeadline(t)
	}
	return ErrNotSupported
}

type fullDuplexer interface{ EnableFullDuplex() error }

// EnableFullDuplex lets the handler keep reading the request body after it
// started writing the response. HTTP/1.1 writers allow it: the server then
// does not discard or close the body when the response starts.
func (c ResponseController) EnableFullDuplex() error {
	if d, ok := find[fullDuplexer](c.rw); ok {
		return d.EnableFullDuplex()
	}
	return ErrNotSupported
}

type trailerer interface{ Trailer() *Header }

// Trailer returns the trailer fields to send after the body. Setting any
// makes the response chunked; announce their names in a "Trailer" header
// field before the header is written, as RFC 9110 §6.6.2 asks senders to.
// Every field set is sent, except those that may not appear in a trailer
// (framing, routing and authentication fields, RFC 9110 §6.5.1). It returns
// nil when the writer cannot send trailers.
func (c ResponseController) Trailer() *Header {
	if t, ok := find[trailerer](c.rw); ok {
		return t.Trailer()
	}
	return nil
}

// ReadFrom copies r into the response body, using sendfile(2) when r is an
// *os.File (or an *io.LimitedReader around one) and the writer supports it.
func (c ResponseController) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := find[io.ReaderFrom](c.rw); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(c.rw, r)
}

// Resetter is implemented by writers that can discard the response
// started so far (see [ResponseController.Reset]).
type Resetter interface {
	// Reset discards the status, body and trailers written so far,
	// keeping the header fields, or fails with ErrResponseSent once
	// bytes of the response may have left the server.
	Reset() error
}

// Reset discards the response the handler has started — its status, the
// body and trailers written, and a header already queued — so that it can
// write another in its place, e.g. a 500 instead of a half-built answer.
// The header fields set are kept: remove those that described the
// discarded body. Reset fails with [ErrResponseSent] once bytes of the
// response may have left the server (a Flush, or more body than the
// server buffers): the client may hold part of it, and the only way left
// to tell it that something broke is to end the connection (panic with
// [ErrAbortHandler]).
//
// Unlike the other capabilities, Reset is not looked for through Unwrap:
// a wrapper that keeps response state (a compressor, a recorder) would be
// left inconsistent. Each wrapper that can be reset implements Reset
// itself, resetting its own state and the writer it wraps; Reset fails
// with [ErrNotSupported] when the controller's writer does not.
func (c ResponseController) Reset() error {
	if r, ok := c.rw.(Resetter); ok {
		return r.Reset()
	}
	return ErrNotSupported
}
