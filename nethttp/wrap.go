package nethttp

import (
	"net/http"

	"github.com/rawsock/httpserver"
)

// Wrap returns an httpserver.Handler that serves h, a standard net/http
// handler, on this project's server.
//
// The *http.Request that h receives is built by [NewStdRequest]; a target
// that is not a valid URL is answered 400 without calling h. The
// http.ResponseWriter implements http.Flusher, http.Hijacker, io.ReaderFrom
// and the methods http.NewResponseController looks for, each reaching the
// matching capability of httpserver.NewResponseController. A panic with
// http.ErrAbortHandler becomes one with httpserver.ErrAbortHandler, so the
// connection is dropped quietly as on net/http.
//
// Wrap(Handler(x)) returns x.
func Wrap(h http.Handler) httpserver.Handler {
	if a, ok := h.(*adapter); ok {
		return a.h
	}
	return &wrapped{h: h}
}

// wrapped is the httpserver.Handler returned by Wrap.
type wrapped struct{ h http.Handler }

func (wh *wrapped) ServeHTTP(w httpserver.ResponseWriter, r *httpserver.Request) {
	req, err := NewStdRequest(r)
	if err != nil {
		httpserver.Error(w, httpserver.StatusBadRequest)
		return
	}
	defer translateAbort(http.ErrAbortHandler, httpserver.ErrAbortHandler)
	sw := &stdWriter{w: w, head: r.Method == "HEAD"}
	wh.h.ServeHTTP(sw, req)
	sw.finish()
}

// translateAbort turns a panic with one package's ErrAbortHandler into a
// panic with the other's. Other panics go on unchanged; as the stack has
// not unwound yet, their trace still shows where they started.
func translateAbort(from, to error) {
	if v := recover(); v != nil {
		if v == from {
			panic(to)
		}
		panic(v)
	}
}
