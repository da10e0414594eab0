package httpserver

import (
	"bytes"
	"io"
	"testing"

	"github.com/rawsock/httpserver/internal/http2"
)

// TestH2CPrefaceAnswered505: without HTTP2Options.H2C, a connection that
// opens with the HTTP/2 client preface (prior knowledge, RFC 9113 §3.3)
// reaches the h2c seam, which answers 505 and closes, as for any other
// major version; a PRI request later on a connection is no preface and
// meets the version check (with H2C too).
func TestH2CPrefaceAnswered505(t *testing.T) {
	ok := HandlerFunc(func(w ResponseWriter, r *Request) { w.WriteString("ok") })
	for _, tt := range []struct {
		name, in string
		want     []string // status lines in order
		h2c      bool
	}{
		{"preface first", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", []string{"HTTP/1.1 505 "}, false},
		{"PRI after a request", "GET / HTTP/1.1\r\nHost: x\r\n\r\nPRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", []string{"HTTP/1.1 200 ", "HTTP/1.1 505 "}, false},
		{"PRI after a request, H2C on", "GET / HTTP/1.1\r\nHost: x\r\n\r\nPRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", []string{"HTTP/1.1 200 ", "HTTP/1.1 505 "}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := serveBytes(ok, []byte(tt.in), func(s *Server) { s.HTTP2.H2C = tt.h2c })
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

// TestH2CPrefaceHandedOver: with H2C on, the HTTP/1 head scanner consumes
// "PRI * HTTP/2.0\r\n\r\n" and internal/http2 must still see the whole
// preface, however it was split across reads: the bytes read so far are
// handed over with the connection.
func TestH2CPrefaceHandedOver(t *testing.T) {
	for _, pieces := range [][]string{
		{"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"},
		{"PRI * HTTP/2.0\r\n\r\n", "SM\r\n\r\n"},
		{"PRI * HT", "TP/2.0\r\n\r\nS", "M\r\n\r\n"},
		{"PRI * HTTP/2.0\r\n\r\nSM\r\n", "\r\n"},
	} {
		forEachEngine(t, func(t *testing.T, start func(Handler, ...func(*Server)) *testServer) {
			s := start(HandlerFunc(func(w ResponseWriter, r *Request) { w.WriteString(r.Proto) }), withH2C)
			k := newH2RawClient(t, s.addr, "/", pieces...)
			if data, heads := k.wait(1); data != len("HTTP/2.0") || heads != 1 {
				t.Fatalf("preface in %q: %d data bytes, %d heads", pieces, data, heads)
			}
		})
	}
}

// TestH2CBadPrefaceTail: a connection that starts like the preface but
// does not end like it is an HTTP/2 connection error (RFC 9113 §3.4):
// GOAWAY with PROTOCOL_ERROR, then the connection closes.
func TestH2CBadPrefaceTail(t *testing.T) {
	forEachEngine(t, func(t *testing.T, start func(Handler, ...func(*Server)) *testServer) {
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {}), withH2C)
		c, br := s.rawConn(t)
		io.WriteString(c, "PRI * HTTP/2.0\r\n\r\nXY\r\n\r\n")
		out, _ := io.ReadAll(br)
		fr := http2.NewFrameReader(bytes.NewReader(out), 1<<24)
		var last http2.Frame
		for {
			f, err := fr.ReadFrame()
			if err != nil {
				break
			}
			last = *f
		}
		if last.Type != http2.FrameGoAway || last.ErrCode != http2.ErrCodeProtocol {
			t.Fatalf("last frame %v %v, want GOAWAY PROTOCOL_ERROR; got %q", last.Type, last.ErrCode, out)
		}
	})
}
