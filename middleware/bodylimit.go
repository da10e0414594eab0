package middleware

import (
	"fmt"
	"io"
	"sync"

	"github.com/rawsock/httpserver"
)

// BodyLimit returns middleware capping request bodies at limit bytes, for
// routes that accept less than the server-wide limit. A declared
// Content-Length above the cap is answered 413 without calling the handler
// (RFC 9110 §15.5.14). Otherwise reads past the cap fail with an error
// wrapping httpserver.ErrBodyTooLarge; if the handler then returns without
// having written a response, the middleware answers 413 itself.
func BodyLimit(limit int64) httpserver.Middleware {
	errTooLarge := fmt.Errorf("middleware: request body exceeds %d bytes: %w", limit, httpserver.ErrBodyTooLarge)
	pool := sync.Pool{New: func() any { return new(limitedBody) }}
	return func(next httpserver.Handler) httpserver.Handler {
		return httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
			if r.ContentLength > limit {
				httpserver.Error(w, httpserver.StatusRequestEntityTooLarge)
				return
			}
			if r.ContentLength >= 0 && r.ContentLength <= limit {
				next.ServeHTTP(w, r) // the server enforces the declared length
				return
			}
			rec, owned := observe(w)
			lb := pool.Get().(*limitedBody)
			*lb = limitedBody{rc: r.Body, left: limit, err: errTooLarge}
			orig := r.Body
			r.Body = lb
			next.ServeHTTP(rec, r)
			r.Body = orig
			if lb.exceeded && !rec.wroteHeader {
				httpserver.Error(rec, httpserver.StatusRequestEntityTooLarge)
			}
			*lb = limitedBody{}
			pool.Put(lb)
			if owned {
				putRecorder(rec)
			}
		})
	}
}

// limitedBody reads at most left more bytes from rc.
type limitedBody struct {
	rc       io.ReadCloser
	left     int64
	err      error
	exceeded bool
}

// Read reads from the body; reading past the cap fails with ErrBodyTooLarge.
func (b *limitedBody) Read(p []byte) (int, error) {
	if b.exceeded {
		return 0, b.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) <= b.left {
		b.left -= int64(n)
		return n, err
	}
	n = int(b.left)
	b.left = 0
	b.exceeded = true
	return n, b.err
}

// Close closes the underlying body.
func (b *limitedBody) Close() error { return b.rc.Close() }
