package middleware

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/testutil/syncbuf"
)

func TestRecoverPanicBecomes500(t *testing.T) {
	var logBuf syncbuf.Buffer
	h := httpserver.Chain(RequestID(RequestIDOptions{}), Recover(RecoverOptions{Logger: jsonLogger(&logBuf)}))(
		httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
			w.Header().Set("Content-Type", "image/png")
			w.Header().Set("ETag", `"x"`)
			panic("boom")
		}))
	base := serve(t, h)
	c := client(t)
	resp, body := do(t, c, "GET", base+"/p", map[string]string{"X-Request-ID": "crash-1"}, nil)
	if resp.StatusCode != 500 || body != "Internal Server Error\n" {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
	if resp.Header.Get("ETag") != "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("stale representation fields: %v", resp.Header)
	}
	if resp.Header.Get("X-Request-ID") != "crash-1" {
		t.Errorf("request id lost: %v", resp.Header)
	}
	out := logBuf.String()
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, `"panic":"boom"`) ||
		!strings.Contains(out, `"request_id":"crash-1"`) || !strings.Contains(out, "recover_test.go") {
		t.Errorf("want one log line with panic, request id and stack, got %s", out)
	}
	// The connection is still usable.
	if resp, _ := do(t, c, "GET", base+"/p", nil, nil); resp.StatusCode != 500 {
		t.Errorf("second request: %d", resp.StatusCode)
	}
}

func TestRecoverAfterHeaderClosesConnection(t *testing.T) {
	var logBuf syncbuf.Buffer
	h := Recover(RecoverOptions{Logger: jsonLogger(&logBuf)})(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("first part\n"))
		w.Flush()
		panic("late boom")
	}))
	base := serve(t, h)
	resp, err := client(t).Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || err == nil || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("want 200 then a truncated chunked body, got %d %q %v", resp.StatusCode, b, err)
	}
	if n := strings.Count(logBuf.String(), "late boom"); n != 1 {
		t.Errorf("panic logged %d times, want once", n)
	}
	// On the wire: the first chunk, then the connection closes without
	// the last-chunk that would make the body look complete.
	out := rawExchange(t, base, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if !strings.Contains(out, "first part") || strings.Contains(out, "\r\n0\r\n\r\n") {
		t.Errorf("raw response: %q", out)
	}
}

func TestRecoverAbortHandlerNotLogged(t *testing.T) {
	var logBuf syncbuf.Buffer
	m := NewMetrics(MetricsOptions{})
	h := httpserver.Chain(m.Middleware, Recover(RecoverOptions{Logger: jsonLogger(&logBuf)}))(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		panic(httpserver.ErrAbortHandler)
	}))
	base := serve(t, h)
	_, err := client(t).Get(base + "/")
	if err == nil {
		t.Error("want the connection closed without a response")
	}
	if logBuf.String() != "" {
		t.Errorf("ErrAbortHandler was logged: %s", logBuf.String())
	}
	var sb strings.Builder
	m.WritePrometheus(&sb)
	if !strings.Contains(sb.String(), "http_requests_panicked_total 0") {
		t.Errorf("abort counted as a panic")
	}
}

func TestRecoverDefaultLoggerAndOwnedRecorder(t *testing.T) {
	m := NewMetrics(MetricsOptions{})
	// A writer between Metrics and Recover makes Recover wrap its own
	// recorder; the panic must still be counted.
	between := func(next httpserver.Handler) httpserver.Handler {
		return httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
			next.ServeHTTP(struct{ passWriter }{passWriter{w}}, r)
		})
	}
	var logBuf syncbuf.Buffer
	old := slog.Default()
	slog.SetDefault(jsonLogger(&logBuf))
	defer slog.SetDefault(old)
	h := httpserver.Chain(m.Middleware, between, Recover(RecoverOptions{}))(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		panic(errors.New("boom"))
	}))
	base := serve(t, h)
	resp, _ := do(t, client(t), "GET", base+"/", nil, nil)
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("status %d", resp.StatusCode)
	}
	var sb strings.Builder
	m.WritePrometheus(&sb)
	if !strings.Contains(sb.String(), "http_requests_panicked_total 1") ||
		!strings.Contains(sb.String(), `http_requests_total{method="GET",route="unmatched",status="500"} 1`) {
		t.Errorf("panic not counted:\n%s", sb.String())
	}
	if !strings.Contains(logBuf.String(), `"panic":"boom"`) {
		t.Errorf("default logger not used: %q", logBuf.String())
	}
}

// passWriter is a minimal wrapping writer with Unwrap.
type passWriter struct{ httpserver.ResponseWriter }

func (p passWriter) Unwrap() httpserver.ResponseWriter { return p.ResponseWriter }

// TestRecoverAfterHeaderStillAnswers500: a panic after WriteHeader, or
// after a body small enough to wait in the server's body buffer, leaves
// nothing on the wire yet: Recover resets the response and the client
// gets a clean 500 on a connection that stays usable. Once bytes left (a
// body past the buffers went to the socket), the connection closes
// instead (as after a Flush, see TestRecoverAfterHeaderClosesConnection).
func TestRecoverAfterHeaderStillAnswers500(t *testing.T) {
	tests := []struct {
		name  string
		write func(w httpserver.ResponseWriter)
		clean bool // a clean 500, else a cut response
	}{
		{"WriteHeader", func(w httpserver.ResponseWriter) { w.WriteHeader(201) }, true},
		{"small body", func(w httpserver.ResponseWriter) { w.Write([]byte("partial")) }, true},
		{"body past the buffers", func(w httpserver.ResponseWriter) {
			for range 8 {
				w.Write([]byte(strings.Repeat("x", 1<<10)))
			}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logBuf syncbuf.Buffer
			h := httpserver.Chain(RequestID(RequestIDOptions{}), Recover(RecoverOptions{Logger: jsonLogger(&logBuf)}))(
				httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
					if r.Path == "/ok" {
						w.Write([]byte("fine"))
						return
					}
					w.Header().Set("Content-Type", "image/png")
					w.Header().Set("ETag", `"x"`)
					tt.write(w)
					panic("boom after header")
				}))
			base := serve(t, h)
			c := client(t)
			if !tt.clean {
				out := rawExchange(t, base, "GET /p HTTP/1.1\r\nHost: x\r\n\r\n")
				if strings.Contains(out, " 500 ") || strings.Contains(out, "\r\n0\r\n\r\n") {
					t.Errorf("want a cut 200 response, got %q...", out[:min(len(out), 200)])
				}
				return
			}
			resp, body := do(t, c, "GET", base+"/p", map[string]string{"X-Request-ID": "late-1"}, nil)
			if resp.StatusCode != 500 || body != "Internal Server Error\n" {
				t.Fatalf("got %d %q, want a clean 500", resp.StatusCode, body)
			}
			if resp.Header.Get("ETag") != "" || resp.Header.Get("X-Request-ID") != "late-1" {
				t.Errorf("header: %v", resp.Header)
			}
			if n := strings.Count(logBuf.String(), "boom after header"); n != 1 {
				t.Errorf("panic logged %d times, want once", n)
			}
			if resp, body := do(t, c, "GET", base+"/ok", nil, nil); resp.StatusCode != 200 || body != "fine" {
				t.Errorf("next request: %d %q", resp.StatusCode, body)
			}
		})
	}
}
