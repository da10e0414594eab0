package httpserver

import (
	"time"
	"unsafe"
)

// bodyBufferSize is how much body a handler may write before the response
// is committed as a stream; a body that fits gets a Content-Length.
const bodyBufferSize = 4 << 10

// response is the HTTP/1.1 ResponseWriter.
type response struct {
	c       *conn
	req     *Request
	header  Header
	trailer Header
	buf     []byte // body written before the header was committed

	status         int
	declaredLength int64 // the handler's Content-Length, or -1
	written        int64 // body bytes accepted from the handler

	wroteHeader  bool // the final status is decided
	committed    bool // the header is queued on the connection
	isHEAD       bool
	chunked      bool
	continueSent bool
	released     bool

	evented       *eventedConn // taken over by HijackEvents: started when the handler returns
	onShutdownSet bool         // the handler registered OnShutdown
}

// init prepares w for a new request, keeping its storage.
func (w *response) init(c *conn, r *Request) {
	hdr, tr, buf := w.header, w.trailer, w.buf
	hdr.Reset()
	tr.Reset()
	if buf == nil {
		buf = make([]byte, 0, bodyBufferSize)
	}
	*w = response{c: c, req: r, header: hdr, trailer: tr, buf: buf[:0], declaredLength: -1, isHEAD: r.Method == "HEAD"}
}

// reset discards an uncommitted response so that an error can be sent.
func (w *response) reset() {
	w.header.Reset()
	w.buf = w.buf[:0]
	w.wroteHeader = false
}

// Reset implements [Resetter], reached through ResponseController: it
// drops the response queued so far unless bytes of it may have reached
// the client (respOut). Reasons to close that the dropped header recorded
// stay: the replacement announces "Connection: close" too.
func (w *response) Reset() error {
	w.checkLive()
	c := w.c
	if c.state.Load() == stateHijacked {
		return ErrHijacked
	}
	if c.respOut {
		return ErrResponseSent
	}
	if w.committed {
		c.wbuf = c.wbuf[:c.respStart]
	}
	w.buf = w.buf[:0]
	w.trailer.Reset()
	w.status, w.declaredLength, w.written = 0, -1, 0
	w.wroteHeader, w.committed, w.chunked = false, false, false
	return nil
}

func (w *response) checkLive() {
	if w.released {
		panic(errUsedAfterReturn)
	}
}

// Header implements ResponseWriter.
func (w *response) Header() *Header {
	w.checkLive()
	return &w.header
}

// WriteHeader implements ResponseWriter.
func (w *response) WriteHeader(status int) {
	w.checkLive()
	checkStatus(status)
	if w.wroteHeader || w.c.state.Load() == stateHijacked {
		return
	}
	if status < 200 && status != StatusSwitchingProtocols {
		w.writeInformational(status)
		return
	}
	w.wroteHeader = true
	w.status = status
	if cl, ok := w.header.Lookup("Content-Length"); ok {
		if n, err := parseContentLength(cl); err == nil {
			w.declaredLength = n
		} else {
			w.header.Del("Content-Length")
		}
	}
}

// writeInformational sends a 1xx response at once (RFC 9110 §15.2), with
// the header fields set so far (e.g. Link for 103 Early Hints).
func (w *response) writeInformational(status int) {
	// RFC 9110 §15.2: a server MUST NOT send a 1xx response to an
	// HTTP/1.0 client.
	if w.req.ProtoMinor == 0 {
		return
	}
	if status == StatusContinue {
		if w.continueSent {
			return
		}
		w.continueSent = true
	}
	b := appendStatusLine(w.c.wbuf, status)
	b = appendFields(b, &w.header)
	w.c.wbuf = append(b, "\r\n"...)
	w.c.flush()
}

// checkStatus panics on a status code outside 100-999, which no protocol
// can send (RFC 9110 §15: three digits); WriteHeader of every writer
// calls it.
func checkStatus(status int) {
	if status < 100 || status > 999 {
		panic("httpserver: invalid WriteHeader status " + itoa3(status%1000))
	}
}

// bodyAllowed reports whether the status permits content (RFC 9110 §6.4.1).
func bodyAllowed(status int) bool {
	return status >= 200 && status != StatusNoContent && status != StatusNotModified
}

// admitBody applies to a body write of n bytes the rules every protocol's
// response writer shares: no content for a status that permits none (RFC
// 9110 §6.4.1), none past a declared Content-Length (RFC 9110 §8.6), and
// none on the wire in answer to HEAD (RFC 9110 §9.3.2), though counted.
// It adds n to *written when the write is admitted and reports whether the
// bytes are to be sent.
func admitBody(status int, declared int64, written *int64, isHEAD bool, n int) (send bool, err error) {
	if !bodyAllowed(status) {
		return false, ErrBodyNotAllowed
	}
	if declared >= 0 && *written+int64(n) > declared {
		return false, ErrContentLength
	}
	*written += int64(n)
	return !isHEAD, nil
}

// bodyShort reports whether a finished response sent less content than
// its declared Content-Length: the client waits for bytes that will never
// come (RFC 9112 §6.3), so the response must be cut (HTTP/1: close the
// connection; HTTP/2: reset the stream).
func bodyShort(status int, declared, written int64, isHEAD bool) bool {
	return declared >= 0 && written < declared && !isHEAD && bodyAllowed(status)
}

// Write implements ResponseWriter.
func (w *response) Write(p []byte) (int, error) {
	w.checkLive()
	if w.c.state.Load() == stateHijacked {
		return 0, ErrHijacked
	}
	if !w.wroteHeader {
		w.WriteHeader(StatusOK)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if send, err := admitBody(w.status, w.declaredLength, &w.written, w.isHEAD, len(p)); !send {
		if err != nil {
			return 0, err
		}
		return len(p), nil
	}
	if !w.committed {
		if len(w.buf)+len(p) <= cap(w.buf) {
			w.buf = append(w.buf, p...)
			return len(p), nil
		}
		w.commit(false)
	}
	w.writeBody(p)
	return len(p), w.c.werr
}

// WriteString implements ResponseWriter.
func (w *response) WriteString(s string) (int, error) {
	return w.Write(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// writeBody sends body bytes of a committed response, framed as chunks
// when the response is chunked.
func (w *response) writeBody(p []byte) {
	if len(p) == 0 {
		return
	}
	c := w.c
	if w.chunked {
		c.wbuf = appendHex(c.wbuf, int64(len(p)))
		c.wbuf = append(c.wbuf, "\r\n"...)
		c.write(p)
		c.wbuf = append(c.wbuf, "\r\n"...)
		return
	}
	c.write(p)
}

// Flush implements ResponseWriter: it commits the header if needed, as a
// stream, and sends everything queued.
func (w *response) Flush() error {
	w.checkLive()
	if w.c.state.Load() == stateHijacked {
		return ErrHijacked
	}
	if !w.wroteHeader {
		w.WriteHeader(StatusOK)
	}
	if !w.committed {
		w.commit(false)
	}
	return w.c.flush()
}

// finish completes the response after the handler returned: it commits a
// header not yet sent (with Content-Length when the whole body is known),
// ends a chunked body with its trailers, and notes when a short body
// forces the connection to close.
func (w *response) finish() {
	if !w.wroteHeader {
		w.WriteHeader(StatusOK)
	}
	if !w.committed {
		w.commit(true)
	}
	if w.chunked {
		b := append(w.c.wbuf, "0\r\n"...)
		b = appendTrailers(b, &w.header, &w.trailer)
		w.c.wbuf = append(b, "\r\n"...)
	}
	// A body shorter than the declared Content-Length leaves the client
	// waiting for bytes that will never come: close (RFC 9112 §6.3).
	if bodyShort(w.status, w.declaredLength, w.written, w.isHEAD) {
		w.c.mustClose(closeShortBody)
	}
}

// SetReadDeadline is reached through ResponseController.
func (w *response) SetReadDeadline(t time.Time) error {
	w.checkLive()
	w.c.rdl.own.Store(true)
	return w.c.nc.SetReadDeadline(t)
}

// SetWriteDeadline is reached through ResponseController.
func (w *response) SetWriteDeadline(t time.Time) error {
	w.checkLive()
	return w.c.setOwnWriteDeadline(t)
}

// EnableFullDuplex is reached through ResponseController. HTTP/1.1
// responses here never cut off the request body when they start, so there
// is nothing to switch on: it only reports that full duplex is available.
func (w *response) EnableFullDuplex() error {
	w.checkLive()
	return nil
}

// Trailer is reached through ResponseController.
func (w *response) Trailer() *Header {
	w.checkLive()
	return &w.trailer
}
