package middleware

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/httpservertest"
)

// TestAppendJSONLineMatchesSlog pins that the default JSON access log
// writes, byte for byte, what slog's JSON handler writes for the same
// record (the format before the direct encoder), including escapes,
// invalid UTF-8, levels and the optional fields.
func TestAppendJSONLineMatchesSlog(t *testing.T) {
	start := time.Date(2026, 12, 2, 3, 4, 5, 123456789, time.UTC)
	base := logEntry{start: start, id: "01ABC", remote: "127.0.0.1:4242", method: "GET", path: "/x",
		proto: "HTTP/1.1", agent: "curl/8", route: "/x", status: 200, bytes: 13, duration: 1234567 * time.Nanosecond}
	tests := []struct {
		name string
		edit func(e *logEntry)
	}{
		{"plain", func(e *logEntry) {}},
		{"escapes", func(e *logEntry) { e.agent = "a\"b\\c\n\r\t\x01\x7f<>&é\u2028\u2029" }},
		{"invalid utf8", func(e *logEntry) { e.path = "/\xff\xfe/ok"; e.query = "q=\xc3" }},
		{"empty fields", func(e *logEntry) { e.id, e.agent, e.route, e.query = "", "", "", "" }},
		{"client", func(e *logEntry) { e.client = "203.0.113.9" }},
		{"aborted", func(e *logEntry) { e.aborted, e.sent = "write timeout: no progress for 2s", 4096 }},
		{"server error", func(e *logEntry) { e.status = 503 }},
		{"error and aborted", func(e *logEntry) { e.status, e.aborted = 500, "connection reset by the client" }},
		{"tiny duration", func(e *logEntry) { e.duration = 300 * time.Nanosecond }},
		{"zero duration", func(e *logEntry) { e.duration = 0 }},
		{"long duration", func(e *logEntry) { e.duration = 90 * time.Minute }},
		{"local time", func(e *logEntry) { e.start = start.In(time.FixedZone("X", 5*3600+1800)) }},
		{"monotonic time", func(e *logEntry) { e.start = time.Now() }},
		{"whole second", func(e *logEntry) { e.start = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := base
			tc.edit(&e)
			var want bytes.Buffer
			a := &AccessLog{logger: slog.New(slog.NewJSONHandler(&want, nil)), format: AccessLogJSON}
			a.write(e)
			got := appendJSONLine(nil, &e)
			if string(got) != want.String() {
				t.Errorf("got  %s\nwant %s", got, want.String())
			}
		})
	}
}

// blockingWriter blocks every Write until release is closed.
type blockingWriter struct {
	release chan struct{}
	mu      sync.Mutex
	buf     bytes.Buffer
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	<-w.release
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

// TestAccessLogEncodedNeverBlocks pins, for the lines the access log
// encodes itself (default JSON and combined), that a stuck output never
// blocks a request: lines wait as bytes up to QueueSize*256, the rest are
// dropped and counted, and what waited is written once the output moves.
func TestAccessLogEncodedNeverBlocks(t *testing.T) {
	for _, format := range []AccessLogFormat{AccessLogJSON, AccessLogCombined} {
		t.Run(string(format), func(t *testing.T) {
			out := &blockingWriter{release: make(chan struct{})}
			logs := NewAccessLog(AccessLogOptions{Format: format, Output: out, QueueSize: 4})
			h := logs.Middleware(httpserver.HandlerFunc(ok))
			done := make(chan struct{})
			go func() {
				defer close(done)
				for i := 0; i < 100; i++ {
					h.ServeHTTP(httpservertest.NewRecorder(), httpservertest.NewRequest("GET", "/", nil))
				}
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("requests blocked on a stuck log output")
			}
			d := logs.Dropped()
			if d == 0 || d == 100 {
				t.Errorf("Dropped = %d of 100, want some but not all", d)
			}
			close(out.release)
			logs.Close()
			written := out.buf.String()
			lines := strings.Count(written, "\n")
			if uint64(lines)+d != 100 {
				t.Errorf("%d lines written and %d dropped, want 100 in all", lines, d)
			}
			// What was kept is bounded: the batch the stuck writer holds
			// and the pending lines, at most QueueSize*256 bytes each
			// (plus the line that crossed the bound). How the 100 split
			// depends on when the writer took its batch.
			if max := 2*4*256 + 2*512; len(written) > max {
				t.Errorf("%d bytes of lines kept, want at most %d", len(written), max)
			}
		})
	}
}
