package httpserver

import (
	"context"
	"crypto/tls"
	"io"
)

// Request is an HTTP request as received by a server, independent of the
// protocol that carried it.
//
// Its strings alias buffers that the server reuses once the handler returns:
// copy what you keep. A Request must not be used after its handler returns;
// in builds with the race detector the server checks this and panics.
type Request struct {
	// Method is the request method, e.g. "GET" (a token, RFC 9110 §9).
	Method string
	// Target is the request-target exactly as received (RFC 9112 §3.2):
	// origin-form "/a%20b?x=1", absolute-form "http://h/p", authority-form
	// "h:443" (CONNECT) or asterisk-form "*" (OPTIONS).
	Target string
	// Path is the percent-decoded path of the target; "" for the
	// authority and asterisk forms.
	Path string
	// RawPath is the path as received, still percent-encoded.
	RawPath string
	// RawQuery is the query of the target without the '?', still encoded.
	RawQuery string
	// Proto is the protocol version, "HTTP/1.0" or "HTTP/1.1".
	Proto string
	// Protocol is the :protocol pseudo-header field of an HTTP/2
	// extended CONNECT request (RFC 8441 §4), e.g. "websocket"; "" for
	// every other request. Method is then "CONNECT" and Target the :path;
	// the stream is a tunnel: answer 2xx, then read the request body and
	// write (and flush) the response as two byte streams (see
	// [ResponseController.CloseWrite]). Limits.MaxBodyBytes and
	// Timeouts.Read do not bound a tunnel, as they do not bound a
	// hijacked connection.
	Protocol string
	// ProtoMajor and ProtoMinor are the version numbers the server honours
	// (a request for HTTP/1.2 is served as 1.1).
	ProtoMajor, ProtoMinor int
	// Host is the authority the request is for: the target's authority for
	// absolute-form and authority-form, otherwise the Host header field.
	Host string
	// Header holds the request header fields in the order received.
	Header Header
	// Trailer holds the trailer fields of a chunked body; it is filled when
	// Body has been read to io.EOF. It points to storage shared by the
	// copies WithContext makes, so middleware that replaces the context
	// does not hide trailers from the handler. It may be nil in a request
	// built by hand; a nil *Header reads as empty.
	Trailer *Header
	// Body is the request body; it is never nil (an empty body reads
	// io.EOF). Reading fails with an error wrapping ErrBodyTooLarge or
	// ErrMalformedBody when the body breaks the limits or the framing.
	Body io.ReadCloser
	// ContentLength is the declared body length, or -1 when the body is
	// chunked.
	ContentLength int64
	// Close reports whether the client asked for the connection to be
	// closed after this request.
	Close bool
	// RemoteAddr is the network address of the client, "ip:port".
	RemoteAddr string
	// TLS is the state of the TLS connection the request arrived on, nil
	// over plain TCP. Like the Request, it is valid until the handler
	// returns: copy the struct to keep it. Do not modify it.
	TLS *tls.ConnectionState
	// Pattern is the route pattern that matched the request, set by a
	// router; use it rather than Path as a metrics label.
	Pattern string

	ctx         context.Context
	src         contextSource // supplies the context when ctx is nil
	query       Query
	queryParsed bool
	pathValues  []headerField
	scratch     []byte    // backing store for decoded strings; reused
	ex          *exchange // the server's exchange holding this request, for WithContext
	released    bool
}

// Context returns the request's context. It is cancelled when the
// connection closes or the server shuts down forcibly.
func (r *Request) Context() context.Context {
	r.checkLive()
	if r.ctx != nil {
		return r.ctx
	}
	if r.src != nil {
		return r.src.context()
	}
	return context.Background()
}

// contextSource is the connection (or stream) a request arrived on; its
// context is created only when a handler asks for it.
type contextSource interface {
	context() context.Context
}

// WithContext returns a shallow copy of r with its context replaced. The copy
// shares r's header, body, trailers and buffers and the same lifetime rules;
// the path values it starts with and its parsed query are copied, so that
// setting a path value on one, or parsing the query of one, leaves the
// other alone. For a request the server made, the first copies live in the
// server's per-request storage and cost no allocation. It is safe to call
// from several goroutines at once.
func (r *Request) WithContext(ctx context.Context) *Request {
	r.checkLive()
	if ctx == nil {
		panic("httpserver: nil context")
	}
	var r2 *Request
	if r.ex != nil {
		r2 = r.ex.spareRequest()
	}
	if r2 == nil {
		r2 = new(Request)
	}
	// The copy fills what it may still fill (path values, the parsed
	// query) in storage of its own, kept by the exchange between
	// requests, so that r and the copy never write into each other's.
	pv, pairs, scratch := r2.pathValues[:0], r2.query.pairs[:0], r2.scratch[:0]
	*r2 = *r
	r2.ctx = ctx
	r2.pathValues = append(pv, r.pathValues...)
	r2.query.pairs = append(pairs, r.query.pairs...)
	r2.scratch = scratch
	return r2
}

// ReuseSlot returns storage for middleware that would otherwise allocate
// an object per request: the server keeps the slot with its per-request
// storage, and what one request stored there is what a later request
// served with the same storage finds, once the first one's handler has
// returned (never two requests at once). Type-assert what you find:
// other middleware may use the slot too. A copy made by WithContext
// shares the slot of the request it copies. Like the rest of the Request,
// the slot is not safe for concurrent use.
//
// It returns nil for a request the server did not make (one built by
// hand, as in tests). In race-detector builds the server never reuses
// its per-request storage, so the slot is empty at every request's start.
func (r *Request) ReuseSlot() *any {
	r.checkLive()
	if r.ex == nil {
		return nil
	}
	return &r.ex.reuse
}

// Query returns the parsed, percent-decoded query parameters. Parsing
// happens on first use; malformed pairs are skipped.
func (r *Request) Query() *Query {
	r.checkLive()
	if !r.queryParsed {
		r.queryParsed = true
		r.scratch = r.query.parse(r.RawQuery, r.scratch)
	}
	return &r.query
}

// PathValue returns the value of the named route parameter set by a router,
// or "".
func (r *Request) PathValue(name string) string {
	for i := range r.pathValues {
		if r.pathValues[i].name == name {
			return r.pathValues[i].value
		}
	}
	return ""
}

// SetPathValue records a route parameter; routers call it.
func (r *Request) SetPathValue(name, value string) {
	for i := range r.pathValues {
		if r.pathValues[i].name == name {
			r.pathValues[i].value = value
			return
		}
	}
	r.pathValues = append(r.pathValues, headerField{name, value})
}

// PathValues iterates over the route parameters in the order set.
func (r *Request) PathValues() func(yield func(string, string) bool) {
	return func(yield func(string, string) bool) {
		for _, f := range r.pathValues {
			if !yield(f.name, f.value) {
				return
			}
		}
	}
}

// ExpectsContinue reports whether the client sent "Expect: 100-continue" and
// waits for a 100 response before sending the body.
func (r *Request) ExpectsContinue() bool {
	return r.ProtoAtLeast(1, 1) && r.Header.ContainsToken("Expect", "100-continue")
}

// ProtoAtLeast reports whether the request's protocol is at least
// major.minor.
func (r *Request) ProtoAtLeast(major, minor int) bool {
	return r.ProtoMajor > major || r.ProtoMajor == major && r.ProtoMinor >= minor
}

// reset clears the request for reuse, keeping allocated storage.
func (r *Request) reset() {
	hdr, pv, sc, q := r.Header, r.pathValues, r.scratch, r.query
	hdr.Reset()
	q.reset()
	clear(pv)
	*r = Request{Header: hdr, pathValues: pv[:0], scratch: sc[:0], query: q}
}
