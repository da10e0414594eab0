package httpserver

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestResponseControllerReset: on every engine and in every mode, Reset
// discards a response nothing of which has left the server (status only,
// a buffered body; on HTTP/1.1 a committed header and body still queued)
// so that another takes its place on a connection that stays usable; once
// bytes may have left it fails with ErrResponseSent (on HTTP/2 as soon as
// the head is handed to the stream, whose writer sends it at once); a
// wrapper that does not implement it hides it.
func TestResponseControllerReset(t *testing.T) {
	tests := []struct {
		name      string
		write     func(w ResponseWriter)
		wrap      bool
		wantErr   error
		wantErrH2 error
	}{
		{"status only", func(w ResponseWriter) { w.WriteHeader(201) }, false, nil, nil},
		{"buffered body", func(w ResponseWriter) { w.Write([]byte("partial")) }, false, nil, nil},
		{"committed and queued", func(w ResponseWriter) {
			w.Write([]byte(strings.Repeat("a", 3<<10)))
			w.Write([]byte(strings.Repeat("b", 2<<10))) // past the body buffer: the header is queued
		}, false, nil, ErrResponseSent},
		{"flushed", func(w ResponseWriter) { w.Write([]byte("sent")); w.Flush() }, false, ErrResponseSent, ErrResponseSent},
		{"behind a wrapper", func(w ResponseWriter) { w.WriteHeader(201) }, true, ErrNotSupported, ErrNotSupported},
	}
	forEachMode(t, allModes, func(t *testing.T, m testMode, start modeStart) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if m.isH2() {
					tt.wantErr = tt.wantErrH2
				}
				errs := make(chan error, 1)
				s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
					if r.Path == "/next" {
						w.Write([]byte("next"))
						return
					}
					w.Header().Set("X-Kept", "yes")
					tt.write(w)
					rw := w
					if tt.wrap {
						rw = unwrappingWriter{w}
					}
					err := NewResponseController(rw).Reset()
					errs <- err
					if err != nil {
						return
					}
					w.WriteHeader(StatusTeapot)
					w.Write([]byte("instead"))
				}))
				var get func(path string) (*http.Response, string)
				if m.isH2() {
					c := s.client(t)
					get = func(path string) (*http.Response, string) {
						resp, err := c.Get(s.url(path))
						if err != nil {
							t.Fatal(err)
						}
						b, _ := io.ReadAll(resp.Body)
						resp.Body.Close()
						return resp, string(b)
					}
				} else {
					c, br := s.rawConn(t)
					get = func(path string) (*http.Response, string) {
						return roundTrip(t, c, br, "GET "+path+" HTTP/1.1\r\nHost: h\r\n\r\n", "GET")
					}
				}
				resp, body := get("/")
				if err := <-errs; !errors.Is(err, tt.wantErr) {
					t.Fatalf("Reset: %v, want %v", err, tt.wantErr)
				}
				if tt.wantErr != nil {
					if resp.StatusCode == StatusTeapot {
						t.Errorf("replacement sent after a failed Reset")
					}
					return
				}
				if resp.StatusCode != StatusTeapot || body != "instead" || resp.Header.Get("X-Kept") != "yes" {
					t.Fatalf("got %d %q %v, want 418 \"instead\" with the header fields kept", resp.StatusCode, body, resp.Header)
				}
				if resp, body := get("/next"); resp.StatusCode != 200 || body != "next" {
					t.Errorf("next request: %d %q", resp.StatusCode, body)
				}
			})
		}
	})
}

// unwrappingWriter is a wrapper that reaches the writer it wraps through
// Unwrap but does not implement Reset.
type unwrappingWriter struct{ ResponseWriter }

func (u unwrappingWriter) Unwrap() ResponseWriter { return u.ResponseWriter }
