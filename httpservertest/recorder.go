// Package httpservertest provides utilities for testing handlers without a
// network: a [ResponseRecorder] and [NewRequest].
//
//	rec := httpservertest.NewRecorder()
//	h.ServeHTTP(rec, httpservertest.NewRequest("GET", "/users/7?x=1", nil))
//	if rec.Code != 200 { ... }
package httpservertest

import (
	"bytes"
	"io"
	"net/url"
	"strings"

	"github.com/rawsock/httpserver"
)

// ResponseRecorder is an [httpserver.ResponseWriter] that records what a
// handler wrote, for inspection in tests.
type ResponseRecorder struct {
	// Code is the final status written, 200 if the handler wrote a body
	// without one, 0 if it wrote nothing.
	Code int
	// Informational lists the 1xx codes sent before the final status.
	Informational []int
	// HeaderMap is the header as it was when the status was written.
	HeaderMap httpserver.Header
	// Body holds the bytes written.
	Body bytes.Buffer
	// Flushed reports whether Flush was called.
	Flushed bool

	header   httpserver.Header
	trailer  httpserver.Header
	wroteHdr bool
}

// NewRecorder returns a ready ResponseRecorder.
func NewRecorder() *ResponseRecorder { return &ResponseRecorder{} }

// Header returns the header being built.
func (r *ResponseRecorder) Header() *httpserver.Header { return &r.header }

// WriteHeader records the status; a 1xx other than 101 is recorded as
// informational.
func (r *ResponseRecorder) WriteHeader(code int) {
	if r.wroteHdr {
		return
	}
	if code >= 100 && code < 200 && code != httpserver.StatusSwitchingProtocols {
		r.Informational = append(r.Informational, code)
		return
	}
	r.Code = code
	r.wroteHdr = true
	r.HeaderMap = r.header.Clone()
}

// Write records body bytes.
func (r *ResponseRecorder) Write(p []byte) (int, error) {
	r.WriteHeader(httpserver.StatusOK)
	return r.Body.Write(p)
}

// WriteString records body bytes.
func (r *ResponseRecorder) WriteString(s string) (int, error) {
	r.WriteHeader(httpserver.StatusOK)
	return r.Body.WriteString(s)
}

// Flush records that a flush happened.
func (r *ResponseRecorder) Flush() error {
	r.WriteHeader(httpserver.StatusOK)
	r.Flushed = true
	return nil
}

// Trailer returns the trailer fields, reachable through
// httpserver.NewResponseController.
func (r *ResponseRecorder) Trailer() *httpserver.Header { return &r.trailer }

// Result returns the status (200 if nothing was written), the header and
// the body as a string.
func (r *ResponseRecorder) Result() (int, *httpserver.Header, string) {
	code := r.Code
	if code == 0 {
		code = httpserver.StatusOK
	}
	h := r.HeaderMap
	if !r.wroteHdr {
		h = r.header
	}
	return code, &h, r.Body.String()
}

// NewRequest builds a server-side request for tests from a method, an
// origin-form target ("/p?q") or absolute-form target ("http://h/p"), and an
// optional body. It panics on a malformed target.
func NewRequest(method, target string, body io.Reader) *httpserver.Request {
	r := &httpserver.Request{
		Method:        method,
		Target:        target,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Host:          "example.com",
		RemoteAddr:    "192.0.2.1:1234",
		ContentLength: 0,
		Trailer:       &httpserver.Header{},
	}
	rest := target
	if target == "*" || method == "CONNECT" {
		// Asterisk-form and authority-form targets carry no path.
		if method == "CONNECT" {
			r.Host = target
		}
		r.Header.Set("Host", r.Host)
		r.Body = io.NopCloser(strings.NewReader(""))
		return r
	}
	if i := strings.Index(target, "://"); i >= 0 {
		hostPath := target[i+3:]
		j := strings.IndexByte(hostPath, '/')
		if j < 0 {
			j = len(hostPath)
		}
		r.Host, rest = hostPath[:j], hostPath[j:]
		if rest == "" {
			rest = "/"
		}
	}
	r.RawPath, r.RawQuery, _ = strings.Cut(rest, "?")
	p, err := url.PathUnescape(r.RawPath)
	if err != nil {
		panic("httpservertest: bad target " + target)
	}
	r.Path = p
	r.Header.Set("Host", r.Host)
	if body == nil {
		body = strings.NewReader("")
	} else if l, ok := body.(interface{ Len() int }); ok {
		r.ContentLength = int64(l.Len())
	}
	r.Body = io.NopCloser(body)
	return r
}
