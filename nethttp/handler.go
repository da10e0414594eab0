package nethttp

import (
	"net/http"

	"github.com/rawsock/httpserver"
)

// Handler returns an http.Handler that runs h, a handler of this project
// (its router, its middleware), inside a stock net/http server or
// httptest.Server.
//
// The httpserver.Request that h receives is built by [NewServerRequest].
// Its ResponseWriter reaches, through httpserver.NewResponseController,
// the capabilities of the net/http writer: Flush, Hijack, read and write
// deadlines, full duplex, trailers and ReadFrom; its
// Unwrap() http.ResponseWriter returns the net/http writer. A panic with
// httpserver.ErrAbortHandler becomes one with http.ErrAbortHandler.
//
// Handler(Wrap(x)) returns x.
func Handler(h httpserver.Handler) http.Handler {
	if w, ok := h.(*wrapped); ok {
		return w.h
	}
	return &adapter{h: h}
}

// adapter is the http.Handler returned by Handler.
type adapter struct{ h httpserver.Handler }

func (a *adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req := NewServerRequest(r)
	defer translateAbort(httpserver.ErrAbortHandler, http.ErrAbortHandler)
	sw := newServerWriter(w)
	a.h.ServeHTTP(sw, req)
	sw.finish()
}
