package httpserver

import (
	"errors"
	"io"
	"os"
)

// body is the Request.Body of an HTTP/1.1 request: it reads exactly the
// bytes the framing allows from the connection's buffer and socket, and
// enforces the body size limit.
type body struct {
	c              *conn
	kind           bodyKind
	remaining      int64 // bytes left: whole body (length) or current chunk (chunked)
	total          int64 // body bytes delivered so far
	limit          int64
	expectContinue bool
	chunk          chunkState
	trailer        *Header
	err            error // sticky
	done           bool  // reached the end of the body
	closed         bool
	released       bool
}

// directReadMin is the size of a caller's buffer from which body bytes are
// read straight from the socket rather than through the connection buffer.
const directReadMin = 4 << 10

// init prepares b for a new request.
func (b *body) init(c *conn, f requestFraming, trailer *Header) {
	*b = body{c: c, kind: f.kind, limit: c.srv.cfg.limits.MaxBodyBytes, expectContinue: f.expectContinue, trailer: trailer}
	switch f.kind {
	case bodyNone:
		b.done = true
	case bodyLength:
		b.remaining = f.length
	}
}

// Read reads body bytes. At the end of the body it returns io.EOF; a body
// broken by the client or over the limit returns an error wrapping
// ErrMalformedBody or ErrBodyTooLarge, and so do all later calls.
func (b *body) Read(p []byte) (int, error) {
	if b.released {
		panic(errUsedAfterReturn)
	}
	if b.closed {
		return 0, ErrBodyReadAfterClose
	}
	if b.err != nil {
		return 0, b.err
	}
	if b.done {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if b.expectContinue {
		b.expectContinue = false
		// RFC 9110 §10.1.1: the 100 response is sent once the handler
		// shows it wants the body, so a handler that refuses the request
		// never invites it.
		b.c.sendContinue()
	}
	var n int
	var err error
	if b.kind == bodyChunked {
		n, err = b.readChunked(p)
	} else {
		n, err = b.readLength(p)
	}
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

// readLength reads from a Content-Length body; it returns io.EOF with the
// last bytes.
func (b *body) readLength(p []byte) (int, error) {
	n, err := b.readData(p)
	if err != nil {
		return n, err
	}
	if b.remaining == 0 {
		b.done = true
		b.c.inputDrained()
		return n, io.EOF
	}
	return n, nil
}

// readData reads up to b.remaining bytes of body data.
func (b *body) readData(p []byte) (int, error) {
	if int64(len(p)) > b.remaining {
		p = p[:b.remaining]
	}
	c := b.c
	if c.rpos == c.rend {
		if len(p) >= directReadMin {
			n, err := c.readDirect(p)
			b.remaining -= int64(n)
			b.total += int64(n)
			return n, bodyReadError(n, err)
		}
		if err := c.fill(); err != nil {
			return 0, bodyReadError(0, err)
		}
	}
	n := copy(p, c.rbuf[c.rpos:c.rend])
	c.rpos += n
	b.remaining -= int64(n)
	b.total += int64(n)
	return n, nil
}

// errBodyTruncated is the error of a body whose connection ended before
// the framing said it would (RFC 9112 §8: an incomplete message).
var errBodyTruncated = &ProtocolError{Status: StatusBadRequest, Reason: "request body ended early", Err: io.ErrUnexpectedEOF}

// bodyReadError turns a socket error during a body into the error the
// handler sees: the connection ending early is io.ErrUnexpectedEOF.
func bodyReadError(n int, err error) error {
	switch {
	case err == nil:
		return nil
	case err == io.EOF && n > 0:
		return nil
	case err == io.EOF:
		return errBodyTruncated
	case errors.Is(err, os.ErrDeadlineExceeded):
		return &ProtocolError{Status: StatusRequestTimeout, Reason: "request body not received in time", Err: err}
	}
	return err
}

// Close marks the body closed; the server discards what is left of it
// after the handler returns, or closes the connection.
func (b *body) Close() error {
	if b.released {
		panic(errUsedAfterReturn)
	}
	b.closed = true
	return nil
}

// canDiscard reports whether what is left of the body may be read and
// dropped to keep the connection, as far as is known before reading it.
func (b *body) canDiscard(max int64) bool {
	switch {
	case b.err != nil:
		return false
	case b.expectContinue:
		// An unanswered 100-continue: the client may or may not send
		// the body; the stream cannot be resynchronised safely.
		return false
	case b.kind == bodyLength && b.remaining > max:
		return false
	}
	return true
}

// discard reads and drops what is left of the body, at most max bytes, and
// reports whether the body then ended cleanly so the connection can be
// reused.
func (b *body) discard(max int64) bool {
	if b.done {
		return b.err == nil
	}
	if !b.canDiscard(max) {
		return false
	}
	b.closed = false
	var buf [2048]byte
	for max >= 0 {
		n, err := b.Read(buf[:])
		max -= int64(n)
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
	}
	return false
}
