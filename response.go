package httpserver

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
