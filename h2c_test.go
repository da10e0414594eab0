package httpserver

import (
	"bytes"
	"testing"
)

// TestH2CPrefaceAnswered505: a connection that opens with the HTTP/2
// client preface (prior knowledge, RFC 9113 §3.3) reaches the h2c seam,
// which until HTTP/2 exists answers 505 and closes, as for any other major
// version; a PRI request later on a connection is no preface and meets the
// version check.
func TestH2CPrefaceAnswered505(t *testing.T) {
	ok := HandlerFunc(func(w ResponseWriter, r *Request) { w.WriteString("ok") })
	for _, tt := range []struct {
		name, in string
		want     []string // status lines in order
	}{
		{"preface first", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", []string{"HTTP/1.1 505 "}},
		{"PRI after a request", "GET / HTTP/1.1\r\nHost: x\r\n\r\nPRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", []string{"HTTP/1.1 200 ", "HTTP/1.1 505 "}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := serveBytes(ok, []byte(tt.in))
			if n := bytes.Count(out, []byte("HTTP/1.1 ")); n != len(tt.want) {
				t.Fatalf("%d responses, want %d:\n%s", n, len(tt.want), out)
			}
			rest := out
			for _, w := range tt.want {
				i := bytes.Index(rest, []byte(w))
				if i < 0 {
					t.Fatalf("no %q in order in:\n%s", w, out)
				}
				rest = rest[i+len(w):]
			}
			if !bytes.Contains(rest, []byte("Connection: close\r\n")) {
				t.Fatalf("the 505 does not close:\n%s", out)
			}
		})
	}
}
