package httpserver

import (
	"strings"
	"testing"
)

// TestTrailersSentUnannounced pins what docs/nethttp.md says of httpserver's
// own writer: every trailer field set through ResponseController.Trailer is
// sent, announced in a "Trailer" header field or not, except those RFC 9110
// §6.5.1 keeps out of trailers (the nethttp.Handler bridge, like net/http,
// sends only the announced ones).
func TestTrailersSentUnannounced(t *testing.T) {
	out := string(serveBytes(HandlerFunc(func(w ResponseWriter, r *Request) {
		w.Header().Set("Trailer", "X-Announced")
		w.WriteString("data")
		tr := NewResponseController(w).Trailer()
		tr.Set("X-Announced", "1")
		tr.Set("X-Unannounced", "2")
		tr.Set("Content-Length", "9") // RFC 9110 §6.5.1: framing, never a trailer
	}), []byte("GET / HTTP/1.1\r\nHost: h\r\n\r\n")))
	want := "4\r\ndata\r\n0\r\nX-Announced: 1\r\nX-Unannounced: 2\r\n\r\n"
	if !strings.Contains(out, want) || strings.Contains(out, "Content-Length: 9") {
		t.Errorf("response:\n%q\nwant the chunked ending %q and no Content-Length trailer", out, want)
	}
}
