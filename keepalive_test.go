package httpserver

import (
	"bytes"
	"strings"
	"testing"
)

// TestKeepAliveDecision pins, for each reason a connection closes after an
// exchange (keepalive.go), that the first of two pipelined requests gets
// the only answer, and whether its header announces the close; and, for
// the exchanges that keep the connection, that the second is answered too.
func TestKeepAliveDecision(t *testing.T) {
	h := HandlerFunc(func(w ResponseWriter, r *Request) {
		switch r.Path {
		case "/handler-close":
			w.Header().Set("Connection", "close")
		case "/short":
			w.Header().Set("Content-Length", "10")
			w.WriteString("abc")
			return
		case "/panic":
			panic("boom")
		case "/stream":
			w.WriteString("streamed")
			w.Flush()
		case "/read":
			var b [64]byte
			for {
				if _, err := r.Body.Read(b[:]); err != nil {
					break
				}
			}
		}
		w.WriteString("ok")
	})
	second := "GET /again HTTP/1.1\r\nHost: x\r\n\r\n"
	tests := []struct {
		name      string
		first     string
		keepAlive bool
		announced bool // the first response says "Connection: close"
	}{
		{"HTTP/1.1", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", true, false},
		{"request asks close", "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false, true},
		{"HTTP/1.0", "GET / HTTP/1.0\r\n\r\n", false, true},
		{"HTTP/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true, false},
		{"HTTP/1.0 streamed body", "GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", false, true},
		{"handler asks close", "GET /handler-close HTTP/1.1\r\nHost: x\r\n\r\n", false, true},
		{"body shorter than Content-Length", "GET /short HTTP/1.1\r\nHost: x\r\n\r\n", false, false},
		{"handler panics", "GET /panic HTTP/1.1\r\nHost: x\r\n\r\n", false, true},
		{"small unread body is discarded", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", true, false},
		{"unread body beyond MaxDiscardBytes", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 300000\r\n\r\n" + strings.Repeat("x", 300000), false, true},
		{"broken chunked body", "POST /read HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false, true},
		{"bad request", "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := serveBytes(h, []byte(tt.first+second))
			n := bytes.Count(out, []byte("HTTP/1.1 "))
			if want := map[bool]int{true: 2, false: 1}[tt.keepAlive]; n != want {
				t.Fatalf("%d responses, want %d:\n%s", n, want, out)
			}
			firstHead := out[:bytes.Index(out, []byte("\r\n\r\n"))+2]
			if got := bytes.Contains(firstHead, []byte("\r\nConnection: close\r\n")); got != tt.announced {
				t.Fatalf("first response announces close: %v, want %v:\n%s", got, tt.announced, out)
			}
		})
	}
}
