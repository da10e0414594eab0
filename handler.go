package httpserver

// A Handler responds to an HTTP request.
//
// ServeHTTP writes the response headers and body to w and returns when it is
// done. Neither w nor r, nor any string or slice obtained from them, may be
// used after ServeHTTP returns: the server reuses them for the next request.
type Handler interface {
	ServeHTTP(w ResponseWriter, r *Request)
}

// ResponseWriter builds the response to a request.
//
// Header fields must be set before WriteHeader or the first Write; changes
// after that are ignored (except for trailers announced in a "Trailer"
// field, set through [ResponseController.Trailer]). Calling WriteHeader with
// a 1xx code other than 101 sends an informational response at once (for
// example 103 Early Hints) and may be repeated.
//
// If the handler returns without having flushed, and the body fits the
// response buffer, the server adds Content-Length; a streamed body is sent
// chunked on HTTP/1.1 and close-delimited on HTTP/1.0. Bodies of responses to
// HEAD, and of 204 and 304 responses, are discarded.
//
// Extra capabilities (flush, hijack, deadlines, trailers, sendfile) are
// reached with [NewResponseController], which looks through wrappers that
// implement Unwrap() ResponseWriter.
type ResponseWriter interface {
	// Header returns the response header fields, to be modified before the
	// header is written.
	Header() *Header
	// WriteHeader sends the status line and header fields. Only the first
	// call with a final (>= 200) status has effect.
	WriteHeader(status int)
	// Write sends body bytes, writing a 200 header first if needed.
	Write(p []byte) (int, error)
	// WriteString is Write for a string, without a conversion.
	WriteString(s string) (int, error)
	// Flush sends buffered data to the client.
	Flush() error
}

// HandlerFunc adapts an ordinary function to the [Handler] interface.
type HandlerFunc func(w ResponseWriter, r *Request)

// ServeHTTP calls f(w, r).
func (f HandlerFunc) ServeHTTP(w ResponseWriter, r *Request) { f(w, r) }

// Middleware wraps a Handler to add behaviour before or after it.
type Middleware func(next Handler) Handler

// Chain composes middleware into one: Chain(a, b, c)(h) is a(b(c(h))), so the
// first middleware listed is the outermost and sees the request first.
func Chain(middleware ...Middleware) Middleware {
	return func(h Handler) Handler {
		for i := len(middleware) - 1; i >= 0; i-- {
			h = middleware[i](h)
		}
		return h
	}
}

// NotFoundHandler answers every request with 404 Not Found.
func NotFoundHandler() Handler {
	return HandlerFunc(func(w ResponseWriter, r *Request) { Error(w, StatusNotFound) })
}

// Error replies with the given status code and a short plain-text body made
// of its reason phrase. It does nothing to a response whose header has
// already been written, beyond writing the body.
func Error(w ResponseWriter, status int) {
	setErrorFields(w.Header())
	w.WriteHeader(status)
	w.WriteString(StatusText(status))
	w.WriteString("\n")
}

// setErrorFields sets the header fields of the plain-text body Error
// writes (also written by the HTTP/2 side's own error answers).
func setErrorFields(h *Header) {
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
}
