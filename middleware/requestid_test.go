package middleware

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/httpservertest"
	"github.com/rawsock/httpserver/internal/testutil/syncbuf"
)

func TestNewRequestIDFormat(t *testing.T) {
	seen := make(map[string]bool)
	prev := ""
	for i := 0; i < 10000; i++ {
		id := NewRequestID()
		if len(id) != 26 {
			t.Fatalf("len(%q) = %d, want 26", id, len(id))
		}
		for _, c := range id {
			if !strings.ContainsRune(crockford, c) {
				t.Fatalf("%q has %q outside the Crockford alphabet", id, c)
			}
		}
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
		if id <= prev {
			t.Fatalf("ids not increasing: %q after %q", id, prev)
		}
		prev = id
	}
}

func TestRequestIDTimeOrder(t *testing.T) {
	var a, b [idLen]byte
	t0 := time.UnixMilli(1700000000000)
	encodeID(a[:], t0)
	encodeID(b[:], t0.Add(time.Millisecond))
	if string(a[:10]) >= string(b[:10]) {
		t.Fatalf("timestamp part does not sort: %s vs %s", a[:10], b[:10])
	}
	// 1700000000000 ms in Crockford base32, 10 digits.
	if got := string(a[:10]); got != "01HF7YAT00" {
		t.Errorf("timestamp part = %s, want 01HF7YAT00", got)
	}
}

func TestValidRequestID(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"abc-123_X.y", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"", false},
		{"a b", false},
		{"a\nb", false},
		{"a\"b", false},
		{"ünï", false},
		{"<script>", false},
	}
	for _, tt := range tests {
		if got := validRequestID(tt.in); got != tt.want {
			t.Errorf("validRequestID(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestRequestIDMiddleware(t *testing.T) {
	var seen string
	h := RequestID(RequestIDOptions{})(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		seen = RequestIDFrom(r.Context())
	}))
	base := serve(t, h)
	c := client(t)

	resp, _ := do(t, c, "GET", base+"/", map[string]string{"X-Request-ID": "trace-42.a_b"}, nil)
	if got := resp.Header.Get("X-Request-ID"); got != "trace-42.a_b" || seen != got {
		t.Errorf("incoming id: header %q, context %q", got, seen)
	}
	resp, _ = do(t, c, "GET", base+"/", map[string]string{"X-Request-ID": "bad id with spaces"}, nil)
	if got := resp.Header.Get("X-Request-ID"); len(got) != 26 || seen != got {
		t.Errorf("malformed incoming id: header %q, context %q", got, seen)
	}
	resp, _ = do(t, c, "GET", base+"/", nil, nil)
	if got := resp.Header.Get("X-Request-ID"); len(got) != 26 || seen != got {
		t.Errorf("generated id: header %q, context %q", got, seen)
	}
}

func TestRequestIDIgnoreIncomingAndHeader(t *testing.T) {
	h := RequestID(RequestIDOptions{Header: "X-Trace", IgnoreIncoming: true})(httpserver.HandlerFunc(ok))
	rec := httpservertest.NewRecorder()
	req := httpservertest.NewRequest("GET", "/", nil)
	req.Header.Set("X-Trace", "client-chosen")
	h.ServeHTTP(rec, req)
	if got := rec.HeaderMap.Get("X-Trace"); got == "client-chosen" || len(got) != 26 {
		t.Errorf("X-Trace = %q, want a fresh id", got)
	}
}

func TestRequestIDFromEmpty(t *testing.T) {
	if got := RequestIDFrom(context.Background()); got != "" {
		t.Errorf("RequestIDFrom(Background) = %q", got)
	}
	//lint:ignore SA1012 nil is what callers may pass
	if got := RequestIDFrom(nil); got != "" { //nolint:staticcheck
		t.Errorf("RequestIDFrom(nil) = %q", got)
	}
	type otherKey struct{}
	ctx := context.WithValue(&idContext{n: 2, buf: [64]byte{'a', 'b'}}, otherKey{}, 1)
	if got := RequestIDFrom(ctx); got != "ab" {
		t.Errorf("through a derived context: %q", got)
	}
}

func TestLoggerCarriesRequestID(t *testing.T) {
	var buf syncbuf.Buffer
	base := jsonLogger(&buf)
	wrapped := slog.New(NewLogHandler(slog.NewJSONHandler(&buf, nil))).With("k", "v").WithGroup("g")
	h := RequestID(RequestIDOptions{})(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		LoggerFrom(r.Context(), base).Info("from LoggerFrom")
		wrapped.InfoContext(r.Context(), "from handler")
	}))
	req := httpservertest.NewRequest("GET", "/", nil)
	req.Header.Set("X-Request-ID", "rid-1")
	h.ServeHTTP(httpservertest.NewRecorder(), req)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines: %s", len(lines), buf.String())
	}
	for _, l := range lines {
		if !strings.Contains(l, `"request_id":"rid-1"`) {
			t.Errorf("line without request id: %s", l)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Errorf("not JSON: %s", l)
		}
	}
	if Logger(context.Background()) != slog.Default() {
		t.Error("Logger without id should be slog.Default()")
	}
	//lint:ignore SA1012 nil is what callers may pass
	if LoggerFrom(nil, base) != base { //nolint:staticcheck
		t.Error("LoggerFrom(nil) should be the base")
	}
	// The derived logger is cached per base.
	h = RequestID(RequestIDOptions{})(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		a, b := LoggerFrom(r.Context(), base), LoggerFrom(r.Context(), base)
		other := LoggerFrom(r.Context(), wrapped)
		if a != b || a == other || LoggerFrom(r.Context(), base) == other {
			t.Error("logger cache")
		}
	}))
	h.ServeHTTP(httpservertest.NewRecorder(), httpservertest.NewRequest("GET", "/", nil))
}

func TestRequestIDContextIsLazy(t *testing.T) {
	type key struct{}
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
	var inner context.Context
	h := RequestID(RequestIDOptions{})(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		inner = r.Context()
		if inner.Value(key{}) != "v" {
			t.Error("parent values not reachable")
		}
		if inner.Err() != nil {
			t.Error("cancelled too early")
		}
		cancel()
		<-inner.Done()
		if _, ok := inner.Deadline(); ok {
			t.Error("unexpected deadline")
		}
	}))
	h.ServeHTTP(httpservertest.NewRecorder(), httpservertest.NewRequest("GET", "/", nil).WithContext(parent))
	if inner.Err() != context.Canceled {
		t.Errorf("Err = %v", inner.Err())
	}

	// A context never asked for its parent reports itself cancelled once
	// the request is over.
	h = RequestID(RequestIDOptions{})(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		inner = r.Context()
	}))
	h.ServeHTTP(httpservertest.NewRecorder(), httpservertest.NewRequest("GET", "/", nil))
	select {
	case <-inner.Done():
	default:
		t.Error("context still live after the request")
	}
}

// TestRequestIDKeepsTrailers checks that a handler behind RequestID (which
// copies the request) still sees the trailers of a chunked body.
func TestRequestIDKeepsTrailers(t *testing.T) {
	got := make(chan string, 1)
	h := RequestID(RequestIDOptions{})(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		io.Copy(io.Discard, r.Body)
		got <- r.Trailer.Get("X-Sum")
	}))
	base := serve(t, h)
	out := rawExchange(t, base, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\nX-Sum: 42\r\n\r\n")
	if !strings.HasPrefix(out, "HTTP/1.1 200") {
		t.Fatalf("response %q", out)
	}
	if v := <-got; v != "42" {
		t.Errorf("trailer X-Sum = %q, want 42", v)
	}
}
