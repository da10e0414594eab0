package middleware

import (
	"context"
	"errors"
	"io"

	"github.com/rawsock/httpserver"
)

// trailerBody works around a limit of Request.WithContext: the copy it
// makes holds a copy of the Trailer header taken before the body was read,
// so trailers the server fills in at the end of a chunked body would be
// invisible to handlers behind middleware that replaced the context. It
// reads the original body and, at io.EOF, copies the original request's
// trailers into the copy.
type trailerBody struct {
	rc       io.ReadCloser
	from, to *httpserver.Request
}

func (b *trailerBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if errors.Is(err, io.EOF) {
		b.to.Trailer = b.from.Trailer
	}
	return n, err
}

func (b *trailerBody) Close() error { return b.rc.Close() }

// withContext returns r.WithContext(ctx), with tb (storage provided by the
// caller, to spare an allocation) keeping the copy's trailers in step when
// the body is chunked.
func withContext(r *httpserver.Request, ctx context.Context, tb *trailerBody) *httpserver.Request {
	r2 := r.WithContext(ctx)
	if r.ContentLength < 0 {
		*tb = trailerBody{rc: r.Body, from: r, to: r2}
		r2.Body = tb
	}
	return r2
}
