package httpserver

import (
	"bytes"
	"testing"
)

// The responses the server writes itself (conn_io.go writeError).

// TestHEADErrorResponseHasNoBody (found by the fuzz targets, fixed in
// commit 19bcadc): when the server itself answers a HEAD
// request with an error (here a malformed chunked body; also a handler
// panic), the error response carried a body. RFC 9110 §9.3.2: the server
// MUST NOT send content in a response to HEAD; a client reads the body
// bytes as the start of the next response.
func TestHEADErrorResponseHasNoBody(t *testing.T) {
	in := "HEAD / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
	out := serveBytes(&echoHandler{}, []byte(in))
	i := bytes.Index(out, []byte("\r\n\r\n"))
	if i < 0 {
		t.Fatalf("no response head in %q", out)
	}
	if rest := out[i+4:]; len(rest) > 0 {
		t.Errorf("response to HEAD carries %d body bytes %q\nfull output: %q", len(rest), rest, out)
	}
	panicking := HandlerFunc(func(w ResponseWriter, r *Request) { panic("boom") })
	out = serveBytes(panicking, []byte("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"))
	if i := bytes.Index(out, []byte("\r\n\r\n")); i >= 0 && len(out) > i+4 {
		t.Errorf("500 response to HEAD after a panic carries a body: %q", out)
	}
}
