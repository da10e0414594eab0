package httpserver

import (
	"errors"
	"io"
	"os"
	"strconv"
	"time"
	"unsafe"

	"github.com/rawsock/httpserver/internal/http2"
	"github.com/rawsock/httpserver/internal/http2/hpack"
)

// h2Response is the ResponseWriter of an HTTP/2 stream. Like the HTTP/1
// response it buffers up to bodyBufferSize of body, so that a handler
// that returns within it gets a content-length; otherwise (or on Flush)
// the head is sent and the body streams in DATA frames. The frames, the
// field encoding and which fields HTTP/2 forbids are internal/http2's.
type h2Response struct {
	hc      *h2Conn
	st      *http2.Stream
	req     *Request
	body    *h2Body
	header  Header
	trailer Header
	buf     []byte // body written before the head was sent
	fields  []hpack.HeaderField
	clbuf   [20]byte // the content-length value we add

	status         int
	declaredLength int64 // the handler's Content-Length, or -1
	written        int64 // body bytes accepted from the handler

	wroteHeader bool // the final status is decided
	committed   bool // the head was handed to the stream
	ended       bool // the stream's response is complete
	isHEAD      bool
	released    bool
	// ownDeadline: the handler set its write deadline, which replaces
	// the cap of Timeouts.Response.
	ownDeadline bool
	// aborted is the error that stopped the response being sent (a
	// deadline, the stream reset, the connection gone): the stream is
	// then reset, not ended as if the response were complete.
	aborted error

	onShutdownSet    bool // an OnShutdown callback is registered (h2_shutdown_notify.go)
	shutdownNotified bool // guarded by hc.shutdownHooks.mu
}

// init prepares w for a new stream, keeping its storage.
func (w *h2Response) init(hc *h2Conn, st *http2.Stream, r *Request, b *h2Body) {
	hdr, tr, buf, fields := w.header, w.trailer, w.buf, w.fields
	hdr.Reset()
	tr.Reset()
	if buf == nil {
		buf = make([]byte, 0, bodyBufferSize)
	}
	clear(fields)
	*w = h2Response{hc: hc, st: st, req: r, body: b, header: hdr, trailer: tr, buf: buf[:0], fields: fields[:0],
		declaredLength: -1, isHEAD: r.Method == "HEAD"}
}

// reset discards an uncommitted response so that an error can be sent.
func (w *h2Response) reset() {
	w.header.Reset()
	w.trailer.Reset()
	w.buf = w.buf[:0]
	w.wroteHeader = false
	w.written, w.declaredLength = 0, -1
}

func (w *h2Response) checkLive() {
	if w.released {
		panic(errUsedAfterReturn)
	}
}

// Header implements ResponseWriter.
func (w *h2Response) Header() *Header {
	w.checkLive()
	return &w.header
}

// WriteHeader implements ResponseWriter. A 1xx status other than 101 is
// sent at once as an informational response; 101 Switching Protocols
// does not exist in HTTP/2 (RFC 9113 §8.6) and is ignored.
func (w *h2Response) WriteHeader(status int) {
	w.checkLive()
	w.writeHeader(status)
}

// writeHeader is WriteHeader for the server's own use, which may come
// after the handler returned (finish).
func (w *h2Response) writeHeader(status int) {
	checkStatus(status)
	if w.wroteHeader || status == StatusSwitchingProtocols {
		return
	}
	if status < 200 {
		w.fields = fieldsOf(w.fields[:0], &w.header)
		w.st.WriteHeaders(status, w.fields, false)
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

// Write implements ResponseWriter.
func (w *h2Response) Write(p []byte) (int, error) {
	w.checkLive()
	return w.write(p)
}

// write is Write for the server's own use (writeError).
func (w *h2Response) write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.writeHeader(StatusOK)
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
		if err := w.commit(false); err != nil {
			return 0, err
		}
	}
	n, err := w.st.Write(p)
	if err != nil {
		err = w.abort(err)
	}
	return n, err
}

// abort records that sending the response failed with err (a Write
// after the response ended excepted), and returns the error the handler
// sees: the first one, kept. A deadline that is the
// cap of Timeouts.Response is reported as on HTTP/1, a
// ResponseAbortedError naming the response timeout.
func (w *h2Response) abort(err error) error {
	if w.aborted != nil {
		return w.aborted
	}
	if errors.Is(err, http2.ErrStreamEnded) {
		// A Write after the response ended (a tunnel's CloseWrite):
		// the handler's mistake, nothing was lost.
		return err
	}
	if d := w.hc.srv.cfg.timeouts.Response; d > 0 && !w.ownDeadline && errors.Is(err, os.ErrDeadlineExceeded) && !errors.Is(err, http2.ErrStreamReset) {
		err = &ResponseAbortedError{Status: w.status, Reason: "response timeout: not sent within " + d.String(), Err: err}
	}
	w.aborted = err
	return err
}

// WriteString implements ResponseWriter.
func (w *h2Response) WriteString(s string) (int, error) {
	return w.Write(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// writeString is WriteString for the server's own use.
func (w *h2Response) writeString(s string) {
	w.write(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// Flush implements ResponseWriter: it sends the head if needed and hands
// what is buffered to the connection, which sends it as the client's
// flow-control windows allow.
func (w *h2Response) Flush() error {
	w.checkLive()
	if !w.wroteHeader {
		w.WriteHeader(StatusOK)
	}
	if !w.committed {
		if err := w.commit(false); err != nil {
			return err
		}
	}
	return w.st.Flush()
}

// commit sends the response head, then the buffered body. With final set
// the handler has returned: a buffered body is complete and gets a
// content-length, and a response without body or trailers ends with the
// head.
func (w *h2Response) commit(final bool) error {
	w.committed = true
	h, status := &w.header, w.status
	f := fieldsOf(w.fields[:0], h)
	if status == StatusNoContent {
		// RFC 9110 §8.6: no Content-Length in a 204 response (a 304
		// may carry the selected representation's).
		f = dropField(f, "content-length")
	}
	if _, ok := h.Lookup("Date"); !ok {
		f = append(f, hpack.HeaderField{Name: "date", Value: dateValue(time.Now())})
	}
	if name := w.hc.srv.cfg.name; name != "" && !h.Has("Server") {
		f = append(f, hpack.HeaderField{Name: "server", Value: name})
	}
	hasTrailers := w.trailer.Len() > 0
	if final && bodyAllowed(status) && w.declaredLength < 0 && !hasTrailers && !(w.isHEAD && w.written == 0) {
		v := strconv.AppendInt(w.clbuf[:0], w.written, 10)
		f = append(f, hpack.HeaderField{Name: "content-length", Value: unsafe.String(&v[0], len(v))})
	}
	w.fields = f
	endStream := final && !hasTrailers && (len(w.buf) == 0 || w.isHEAD || !bodyAllowed(status))
	if err := w.st.WriteHeaders(status, f, endStream); err != nil {
		return w.abort(err)
	}
	if endStream {
		w.ended = true
		return nil
	}
	if len(w.buf) > 0 && bodyAllowed(status) && !w.isHEAD {
		body := w.buf
		w.buf = w.buf[:0]
		if _, err := w.st.Write(body); err != nil {
			return w.abort(err)
		}
	}
	return nil
}

// finish completes the response after the handler returned: it answers a
// broken body limit the handler ignored, sends a head not yet sent, and
// ends the stream with the trailers if any. A body shorter than its
// declared Content-Length resets the stream: the client would take the
// response as complete and malformed (RFC 9113 §8.1.1).
func (w *h2Response) finish() {
	if !w.committed && w.body.brokeLimit() {
		w.reset()
		w.writeError(StatusRequestEntityTooLarge)
		return
	}
	if !w.wroteHeader {
		w.writeHeader(StatusOK)
	}
	if !w.committed {
		if w.commit(true) != nil {
			return
		}
	}
	if w.ended {
		return
	}
	if w.aborted != nil {
		// Part of the response was not sent: ending the stream would
		// make it look complete.
		w.st.Reset(http2.ErrCodeCancel)
		return
	}
	if bodyShort(w.status, w.declaredLength, w.written, w.isHEAD) {
		w.st.Reset(http2.ErrCodeInternal)
		return
	}
	if w.trailer.Len() > 0 {
		f := w.fields[:0]
		for _, t := range w.trailer.list() {
			if !prohibitedTrailer(t.name) {
				f = append(f, hpack.HeaderField{Name: t.name, Value: t.value})
			}
		}
		w.fields = f
		w.st.WriteTrailers(f)
		return
	}
	w.st.Close()
}

// writeError sends a complete error response with a short plain-text
// body, as the server's own answer (the HTTP/1 side's writeError).
func (w *h2Response) writeError(status int) {
	w.wroteHeader = false
	// What Error writes, without the checks of the handler's methods:
	// the handler may have returned.
	setErrorFields(&w.header)
	w.writeHeader(status)
	w.writeString(StatusText(status))
	w.writeString("\n")
	w.commit(true)
	w.ended = true
}

// ReadFrom is reached through ResponseController: it copies src into the
// body. As on HTTP/1, a regular *os.File (or an *io.LimitedReader around
// one) read before the head is sent gives the response its
// Content-Length, so that the client knows the size; the bytes go
// through DATA frames (HTTP/2 has no sendfile path).
func (w *h2Response) ReadFrom(src io.Reader) (int64, error) {
	w.checkLive()
	if !w.wroteHeader && !w.header.Has("Content-Length") {
		if size, ok := remainingFileSize(src); ok {
			w.header.Set("Content-Length", string(appendInt(nil, size)))
		}
	}
	return copyBuffered(writerOnly{w}, src)
}

// Reset implements Resetter, reached through ResponseController: it
// discards the status, body and trailers written so far, keeping the
// header fields, while the response is still all in w. Once the head was
// handed to the stream (a Flush, or more body than w buffers) it fails
// with ErrResponseSent: the connection's writer sends frames as soon as
// it has them, so they may have left.
func (w *h2Response) Reset() error {
	w.checkLive()
	if w.committed {
		return ErrResponseSent
	}
	w.buf = w.buf[:0]
	w.trailer.Reset()
	w.status, w.declaredLength, w.written = 0, -1, 0
	w.wroteHeader = false
	return nil
}

// Trailer is reached through ResponseController.
func (w *h2Response) Trailer() *Header {
	w.checkLive()
	return &w.trailer
}

// SetReadDeadline is reached through ResponseController: a request body
// Read waiting past t fails with os.ErrDeadlineExceeded. It replaces the
// deadline Timeouts.Read set for the stream.
func (w *h2Response) SetReadDeadline(t time.Time) error {
	w.checkLive()
	w.st.SetReadDeadline(t)
	return nil
}

// SetWriteDeadline is reached through ResponseController: a Write after
// t, or waiting past t for the client to take the response, fails with
// os.ErrDeadlineExceeded.
func (w *h2Response) SetWriteDeadline(t time.Time) error {
	w.checkLive()
	w.ownDeadline = true
	w.st.SetWriteDeadline(t)
	return nil
}

// EnableFullDuplex is reached through ResponseController. HTTP/2 streams
// are full duplex: the request body can be read while the response is
// sent.
func (w *h2Response) EnableFullDuplex() error {
	w.checkLive()
	return nil
}

// dropField removes every field named name (lowercase) from f.
func dropField(f []hpack.HeaderField, name string) []hpack.HeaderField {
	n := 0
	for _, x := range f {
		if !equalFold(x.Name, name) {
			f[n] = x
			n++
		}
	}
	return f[:n]
}
