package middleware

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/rawsock/httpserver"
)

// ErrHandlerTimeout is returned by writes of a handler whose [Timeout]
// expired.
var ErrHandlerTimeout = errors.New("middleware: handler timeout")

// TimeoutOptions configures [Timeout].
type TimeoutOptions struct {
	// Status is the status sent on expiry: 503 if zero (504 suits a
	// handler waiting on an upstream).
	Status int
}

// Timeout returns middleware that gives the handler a deadline d. The
// handler runs with a context that ends at the deadline, and writes into a
// buffer. If it returns in time the buffered response is sent; if the
// deadline passes first, the client gets a 503 (or opts.Status) at once
// and the handler's later writes fail with ErrHandlerTimeout.
//
// The handler still runs on the server's goroutine, so a panic reaches
// Recover as usual, and the request is not released until it returns: the
// handler must watch r.Context() and stop early. The buffer means the
// handler cannot stream: Flush, hijacking, deadlines and trailers are not
// available (the writer does not unwrap), and a body is held in memory.
func Timeout(d time.Duration, opts TimeoutOptions) httpserver.Middleware {
	status := opts.Status
	if status == 0 {
		status = httpserver.StatusServiceUnavailable
	}
	return func(next httpserver.Handler) httpserver.Handler {
		return httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			tw := &timeoutWriter{w: w, ctx: ctx, expiry: status}
			r = r.WithContext(ctx)
			stop := context.AfterFunc(ctx, func() {
				tw.mu.Lock()
				defer tw.mu.Unlock()
				tw.checkExpired()
			})
			defer func() {
				stop()
				tw.mu.Lock()
				tw.done = true
				tw.mu.Unlock()
			}()
			next.ServeHTTP(tw, r)
			tw.mu.Lock()
			defer tw.mu.Unlock()
			if tw.checkExpired() {
				tw.done = true
				return
			}
			tw.done = true
			tw.copyTo(w)
		})
	}
}

// timeoutWriter buffers a response until the handler returns. mu orders
// the handler's writes against the timer's answer.
type timeoutWriter struct {
	mu       sync.Mutex
	w        httpserver.ResponseWriter
	ctx      context.Context
	expiry   int // the status to answer on expiry
	header   httpserver.Header
	body     []byte
	status   int
	timedOut bool
	done     bool
}

// checkExpired answers the request on behalf of a handler that ran out of
// time, once, and reports whether it has. Whoever sees the deadline first,
// the timer or the handler's next write, does it. The caller holds mu.
func (tw *timeoutWriter) checkExpired() bool {
	if tw.timedOut {
		return true
	}
	if tw.done || tw.ctx.Err() != context.DeadlineExceeded {
		return false
	}
	tw.timedOut = true
	note(tw.w, flagTimedOut)
	// RFC 9110 §15.6.4 (503: temporarily unable to handle) or §15.6.5
	// (504: an upstream did not answer in time), as configured.
	httpserver.Error(tw.w, tw.expiry)
	tw.w.Flush()
	return true
}

// copyTo sends the buffered response.
func (tw *timeoutWriter) copyTo(w httpserver.ResponseWriter) {
	h := w.Header()
	for k, v := range tw.header.All() {
		h.Add(k, v)
	}
	if tw.status != 0 {
		w.WriteHeader(tw.status)
	}
	if len(tw.body) > 0 {
		w.Write(tw.body)
	}
}

// Header implements httpserver.ResponseWriter.
func (tw *timeoutWriter) Header() *httpserver.Header { return &tw.header }

// WriteHeader implements httpserver.ResponseWriter. Informational
// responses are dropped: they cannot be buffered.
func (tw *timeoutWriter) WriteHeader(status int) {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if tw.checkExpired() || tw.status != 0 || status < 200 && status != httpserver.StatusSwitchingProtocols {
		return
	}
	tw.status = status
}

// Write implements httpserver.ResponseWriter.
func (tw *timeoutWriter) Write(p []byte) (int, error) {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if tw.checkExpired() {
		return 0, ErrHandlerTimeout
	}
	if tw.status == 0 {
		tw.status = httpserver.StatusOK
	}
	tw.body = append(tw.body, p...)
	return len(p), nil
}

// WriteString implements httpserver.ResponseWriter.
func (tw *timeoutWriter) WriteString(s string) (int, error) { return tw.Write(unsafeBytes(s)) }

// Flush implements httpserver.ResponseWriter; a buffered response cannot
// be streamed.
func (tw *timeoutWriter) Flush() error {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if tw.checkExpired() {
		return ErrHandlerTimeout
	}
	return httpserver.ErrNotSupported
}
