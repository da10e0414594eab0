package middleware

import (
	"errors"
	"io"
	"sync"

	"github.com/rawsock/httpserver"
)

// recorder wraps a ResponseWriter to observe the final status, the body
// bytes written, the first write error and what happened to the request (a
// panic, a rate-limit rejection). The access log, metrics, recovery and body limit share one
// recorder per request: each looks for one in the writer chain before
// wrapping.
type recorder struct {
	w           httpserver.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
	flags       uint8
	body        countingBody
	err         error // the first error a write returned
}

// Request outcomes noted on a recorder by inner middleware.
const (
	flagPanicked uint8 = 1 << iota
	flagRateLimited
	flagTimedOut
)

var recorderPool = sync.Pool{New: func() any { return new(recorder) }}

// observe returns the recorder at the top of w, or a pooled one wrapping
// w; release reports whether the caller owns it and must call putRecorder.
func observe(w httpserver.ResponseWriter) (rec *recorder, owned bool) {
	if rec, ok := w.(*recorder); ok {
		return rec, false
	}
	rec = recorderPool.Get().(*recorder)
	*rec = recorder{w: w}
	return rec, true
}

func putRecorder(rec *recorder) {
	*rec = recorder{}
	recorderPool.Put(rec)
}

// findRecorder walks the Unwrap chain from w to the first recorder.
func findRecorder(w httpserver.ResponseWriter) *recorder {
	for w != nil {
		if rec, ok := w.(*recorder); ok {
			return rec
		}
		u, ok := w.(interface {
			Unwrap() httpserver.ResponseWriter
		})
		if !ok {
			return nil
		}
		w = u.Unwrap()
	}
	return nil
}

// note records an outcome on the recorder in w's chain, if any.
func note(w httpserver.ResponseWriter, flag uint8) {
	if rec := findRecorder(w); rec != nil {
		rec.flags |= flag
	}
}

// Header implements httpserver.ResponseWriter.
func (rec *recorder) Header() *httpserver.Header { return rec.w.Header() }

// WriteHeader implements httpserver.ResponseWriter; informational codes
// pass through without fixing the status.
func (rec *recorder) WriteHeader(status int) {
	if !rec.wroteHeader && (status >= 200 || status == httpserver.StatusSwitchingProtocols) {
		rec.wroteHeader = true
		rec.status = status
	}
	rec.w.WriteHeader(status)
}

// Write implements httpserver.ResponseWriter.
func (rec *recorder) Write(p []byte) (int, error) {
	if !rec.wroteHeader {
		rec.wroteHeader, rec.status = true, httpserver.StatusOK
	}
	n, err := rec.w.Write(p)
	rec.bytes += int64(n)
	rec.noteErr(err)
	return n, err
}

// WriteString implements httpserver.ResponseWriter.
func (rec *recorder) WriteString(s string) (int, error) {
	if !rec.wroteHeader {
		rec.wroteHeader, rec.status = true, httpserver.StatusOK
	}
	n, err := rec.w.WriteString(s)
	rec.bytes += int64(n)
	rec.noteErr(err)
	return n, err
}

// Flush implements httpserver.ResponseWriter.
func (rec *recorder) Flush() error {
	if !rec.wroteHeader {
		rec.wroteHeader, rec.status = true, httpserver.StatusOK
	}
	err := rec.w.Flush()
	rec.noteErr(err)
	return err
}

// ReadFrom keeps sendfile reachable while counting the bytes it sends.
func (rec *recorder) ReadFrom(src io.Reader) (int64, error) {
	if !rec.wroteHeader {
		rec.wroteHeader, rec.status = true, httpserver.StatusOK
	}
	n, err := httpserver.NewResponseController(rec.w).ReadFrom(src)
	rec.bytes += n
	rec.noteErr(err)
	return n, err
}

// Reset implements httpserver.Resetter: it resets the writer it wraps
// and, when that succeeds, forgets the status and bytes it recorded.
func (rec *recorder) Reset() error {
	if err := httpserver.NewResponseController(rec.w).Reset(); err != nil {
		return err
	}
	rec.wroteHeader, rec.status, rec.bytes = false, 0, 0
	return nil
}

// noteErr keeps the first write error.
func (rec *recorder) noteErr(err error) {
	if err != nil && rec.err == nil {
		rec.err = err
	}
}

// aborted returns the server's report when sending the response failed
// (see [httpserver.ResponseAbortedError]), or nil.
func (rec *recorder) aborted() *httpserver.ResponseAbortedError {
	if rec.err == nil {
		return nil
	}
	return abortedError(rec.err)
}

// abortedError is err as a *httpserver.ResponseAbortedError, or nil. Apart
// from aborted, which is inlined: its target variable escapes, so an
// inlined copy would cost an allocation per request even without an error.
func abortedError(err error) *httpserver.ResponseAbortedError {
	var ae *httpserver.ResponseAbortedError
	if errors.As(err, &ae) {
		return ae
	}
	return nil
}

// Unwrap returns the wrapped writer, for httpserver.NewResponseController.
func (rec *recorder) Unwrap() httpserver.ResponseWriter { return rec.w }

// statusOr returns the recorded status, or def when nothing was written
// (the server then answers 200).
func (rec *recorder) statusOr(def int) int {
	if rec.wroteHeader {
		return rec.status
	}
	return def
}

// countingBody counts the request body bytes a handler reads.
type countingBody struct {
	rc io.ReadCloser
	n  int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.n += int64(n)
	return n, err
}

func (b *countingBody) Close() error { return b.rc.Close() }
