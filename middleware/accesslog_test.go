package middleware

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/httpservertest"
	"github.com/rawsock/httpserver/internal/testutil/syncbuf"
	"github.com/rawsock/httpserver/router"
)

func TestAccessLogJSONLine(t *testing.T) {
	var buf syncbuf.Buffer
	logs := NewAccessLog(AccessLogOptions{Logger: jsonLogger(&buf)})
	defer logs.Close()
	rt := router.New()
	rt.Get("/users/:id", func(w httpserver.ResponseWriter, r *httpserver.Request) {
		w.WriteString("user " + r.PathValue("id"))
	})
	h := httpserver.Chain(RequestID(RequestIDOptions{}), logs.Middleware)(rt)
	base := serve(t, h)
	do(t, client(t), "GET", base+"/users/7?x=1&y=2", map[string]string{"User-Agent": "tester/1", "X-Request-ID": "req-7"}, nil)
	do(t, client(t), "GET", base+"/nope", nil, nil)
	flushLog(t, logs)

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %q", buf.String())
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"msg": "request", "level": "INFO", "request_id": "req-7", "method": "GET", "path": "/users/7",
		"query": "x=1&y=2", "proto": "HTTP/1.1", "status": 200.0, "bytes": 6.0,
		"user_agent": "tester/1", "route": "/users/:id",
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	if r, _ := m["remote"].(string); !strings.HasPrefix(r, "127.0.0.1:") {
		t.Errorf("remote = %v", m["remote"])
	}
	if d, _ := m["duration"].(float64); d <= 0 || d > 10 {
		t.Errorf("duration = %v", m["duration"])
	}
	if _, err := time.Parse(time.RFC3339Nano, m["time"].(string)); err != nil {
		t.Errorf("time: %v", err)
	}
	json.Unmarshal([]byte(lines[1]), &m)
	if m["status"] != 404.0 || m["route"] != "" {
		t.Errorf("unmatched: status %v route %v", m["status"], m["route"])
	}
}

func TestAccessLogClientBehindProxy(t *testing.T) {
	var buf syncbuf.Buffer
	logs := NewAccessLog(AccessLogOptions{Logger: jsonLogger(&buf), TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	defer logs.Close()
	base := serve(t, logs.Middleware(httpserver.HandlerFunc(ok)))
	do(t, client(t), "GET", base+"/", map[string]string{"X-Forwarded-For": "198.51.100.7"}, nil)
	flushLog(t, logs)
	if !strings.Contains(buf.String(), `"client":"198.51.100.7"`) {
		t.Errorf("no client attribute: %s", buf.String())
	}
}

func TestAccessLogQuietPaths(t *testing.T) {
	var buf syncbuf.Buffer
	logs := NewAccessLog(AccessLogOptions{Logger: jsonLogger(&buf), Quiet: []string{"/health"}, QuietSample: 5})
	defer logs.Close()
	fail := false
	h := logs.Middleware(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		if fail {
			httpserver.Error(w, 503)
		}
	}))
	for i := 0; i < 20; i++ {
		h.ServeHTTP(httpservertest.NewRecorder(), httpservertest.NewRequest("GET", "/health", nil))
	}
	fail = true
	h.ServeHTTP(httpservertest.NewRecorder(), httpservertest.NewRequest("GET", "/health", nil))
	h.ServeHTTP(httpservertest.NewRecorder(), httpservertest.NewRequest("GET", "/other", nil))
	flushLog(t, logs)
	out := buf.String()
	if n := strings.Count(out, `"path":"/health","query":"","proto":"HTTP/1.1","status":200`); n != 4 {
		t.Errorf("sampled health lines = %d, want 4 (1 in 5 of 20)\n%s", n, out)
	}
	if !strings.Contains(out, `"status":503`) || !strings.Contains(out, `"level":"ERROR"`) {
		t.Errorf("failing health check not logged at ERROR:\n%s", out)
	}
	if !strings.Contains(out, `"path":"/other"`) {
		t.Errorf("other path not logged")
	}
}

// blockingHandler is a slog sink stuck until released.
type blockingHandler struct {
	slog.Handler
	release chan struct{}
	mu      sync.Mutex
	n       int
}

func (b *blockingHandler) Handle(ctx context.Context, r slog.Record) error {
	<-b.release
	b.mu.Lock()
	b.n++
	b.mu.Unlock()
	return nil
}

func TestAccessLogNeverBlocks(t *testing.T) {
	sink := &blockingHandler{Handler: slog.NewJSONHandler(nil, nil), release: make(chan struct{})}
	logs := NewAccessLog(AccessLogOptions{Logger: slog.New(sink), QueueSize: 4})
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
		t.Fatal("requests blocked on a stuck log sink")
	}
	// One record may be held by the writer goroutine, four queued.
	if d := logs.Dropped(); d < 95 || d > 96 {
		t.Errorf("Dropped = %d, want 95 or 96", d)
	}
	close(sink.release)
	logs.Close()
	if sink.n < 4 || sink.n > 5 {
		t.Errorf("written after Close = %d, want the 4-5 queued", sink.n)
	}
	// After Close, records are dropped and Flush reports the closure.
	h.ServeHTTP(httpservertest.NewRecorder(), httpservertest.NewRequest("GET", "/", nil))
	if err := logs.Flush(context.Background()); !errors.Is(err, ErrAccessLogClosed) {
		t.Errorf("Flush after Close = %v", err)
	}
	if err := logs.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestAccessLogFlushContext(t *testing.T) {
	sink := &blockingHandler{Handler: slog.NewJSONHandler(nil, nil), release: make(chan struct{})}
	logs := NewAccessLog(AccessLogOptions{Logger: slog.New(sink), QueueSize: 1})
	defer func() { close(sink.release); logs.Close() }()
	logs.Middleware(httpserver.HandlerFunc(ok)).ServeHTTP(httpservertest.NewRecorder(), httpservertest.NewRequest("GET", "/", nil))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := logs.Flush(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Flush on a stuck sink = %v, want deadline exceeded", err)
	}
}
