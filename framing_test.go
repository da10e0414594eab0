package httpserver

import (
	"testing"
)

// Request framing (framing.go): Content-Length, Transfer-Encoding and
// their combinations, the smuggling surface.

// TestContentLengthTrailingComma (found by the fuzz targets, fixed in
// commit 19bcadc): "Content-Length: 5," was accepted as 5 while ",5" and "5,,5" were rejected. RFC 9110 §8.6: Content-Length =
// 1*DIGIT; only a list of identical values may be accepted, and net/http
// and llhttp reject an empty element. Parsers disagreeing on a
// Content-Length is the basis of request smuggling, so reject it (400).
func TestContentLengthTrailingComma(t *testing.T) {
	for _, v := range []string{"5,", "5, ", "5 ,"} {
		in := "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + v + "\r\n\r\nhello"
		x := runEcho([]byte(in))
		if st, rej := x.rejected(); !rej || st != 400 {
			t.Errorf("Content-Length %q: accepted %d request(s), want 400", v, x.accepted())
		}
	}
}
