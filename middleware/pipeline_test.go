package middleware

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/httpservertest"
	"github.com/rawsock/httpserver/internal/testutil/syncbuf"
	"github.com/rawsock/httpserver/router"
)

func TestPipelineDefault(t *testing.T) {
	var logBuf syncbuf.Buffer
	var panicBuf syncbuf.Buffer
	p, err := NewPipeline(PipelineOptions{Logger: jsonLogger(&panicBuf), AccessLog: AccessLogOptions{Logger: jsonLogger(&logBuf)}})
	if err != nil {
		t.Fatal(err)
	}
	rt := router.New()
	rt.Get("/doc/:name", func(w httpserver.ResponseWriter, r *httpserver.Request) {
		w.Header().Set("Content-Type", "text/plain")
		Logger(r.Context()).Debug("serving") // carries the id
		w.WriteString(bigText)
	})
	rt.Get("/panic", func(w httpserver.ResponseWriter, r *httpserver.Request) { panic("kaboom") })
	base := serve(t, p.Wrap(rt))
	c := client(t)
	resp, body := do(t, c, "GET", base+"/doc/a", nil, nil)
	id := resp.Header.Get("X-Request-ID")
	if resp.StatusCode != 200 || body != bigText || !resp.Uncompressed || len(id) != 26 {
		t.Errorf("doc: %d uncompressed=%v id=%q", resp.StatusCode, resp.Uncompressed, id)
	}
	resp, _ = do(t, c, "GET", base+"/panic", nil, nil)
	if resp.StatusCode != 500 {
		t.Errorf("panic: %d", resp.StatusCode)
	}
	resp, body = do(t, c, "GET", base+"/metrics", nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `http_requests_total{method="GET",route="/doc/:name",status="200"} 1`) ||
		!strings.Contains(body, "http_requests_panicked_total 1") ||
		!strings.Contains(body, `http_requests_total{method="GET",route="/panic",status="500"} 1`) {
		t.Errorf("metrics:\n%s", body)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(logBuf.String()), "\n")
	if len(lines) != 3 { // /doc/a, /panic, /metrics
		t.Fatalf("access log: %q", logBuf.String())
	}
	var m map[string]any
	json.Unmarshal([]byte(lines[0]), &m)
	if m["request_id"] != id || m["route"] != "/doc/:name" || m["bytes"].(float64) >= float64(len(bigText)) {
		t.Errorf("access line: %v", m)
	}
	if !strings.Contains(panicBuf.String(), `"panic":"kaboom"`) {
		t.Errorf("panic log: %s", panicBuf.String())
	}
}

func TestPipelineEverything(t *testing.T) {
	p, err := NewPipeline(PipelineOptions{
		DisableAccessLog: true,
		CORS:             &CORSOptions{AllowedOrigins: []string{"https://app.example.com"}},
		RateLimit:        &RateLimitOptions{Rate: 1, Burst: 1},
		Security:         &SecurityHeadersOptions{},
		DisableCompress:  true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	base := serve(t, p.Middleware()(httpserver.HandlerFunc(ok)))
	c := client(t)
	hdr := map[string]string{"Origin": "https://app.example.com"}
	if resp, _ := do(t, c, "GET", base+"/", hdr, nil); resp.StatusCode != 200 {
		t.Fatalf("first: %d", resp.StatusCode)
	}
	resp, _ := do(t, c, "GET", base+"/", hdr, nil)
	if resp.StatusCode != 429 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("limited: %d %v", resp.StatusCode, resp.Header)
	}
	if p.RateLimiter.Limited() != 1 {
		t.Errorf("limited %d", p.RateLimiter.Limited())
	}
	p2, err := NewPipeline(PipelineOptions{DisableAccessLog: true, DisableMetrics: true})
	if err != nil || p2.Metrics != nil || p2.Close() != nil {
		t.Errorf("disabled pieces: %v", err)
	}
}

func TestPipelineBadCORS(t *testing.T) {
	_, err := NewPipeline(PipelineOptions{
		AccessLog: AccessLogOptions{Logger: jsonLogger(&syncbuf.Buffer{})},
		CORS:      &CORSOptions{AllowedOrigins: []string{"*"}, AllowCredentials: true, MaxAge: time.Second},
	})
	if !errors.Is(err, ErrCORSConfig) {
		t.Errorf("err = %v", err)
	}
}

// TestPipelineMetricsDisabledSetServer: the documented
// p.Metrics.SetServer(srv) must not panic when metrics are off.
func TestPipelineMetricsDisabledSetServer(t *testing.T) {
	p, err := NewPipeline(PipelineOptions{DisableAccessLog: true, DisableMetrics: true})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Metrics != nil {
		t.Fatalf("Metrics = %v, want nil when disabled", p.Metrics)
	}
	srv := &httpserver.Server{Handler: p.Wrap(httpserver.HandlerFunc(ok))}
	p.Metrics.SetServer(srv)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if got := p.Metrics.Listener(ln); got != ln {
		t.Errorf("Listener on nil Metrics = %T, want the listener itself", got)
	}
}

// TestPipelineAccessLogClientFromLimiter: the access log logs the client
// the rate limiter limits, found through the limiter's trusted proxies.
func TestPipelineAccessLogClientFromLimiter(t *testing.T) {
	var logBuf syncbuf.Buffer
	p, err := NewPipeline(PipelineOptions{
		AccessLog: AccessLogOptions{Logger: jsonLogger(&logBuf)},
		RateLimit: &RateLimitOptions{Rate: 100, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	base := serve(t, p.Wrap(httpserver.HandlerFunc(ok)))
	do(t, client(t), "GET", base+"/", map[string]string{"X-Forwarded-For": "198.51.100.7"}, nil)
	p.Close()
	if !strings.Contains(logBuf.String(), `"client":"198.51.100.7"`) {
		t.Errorf("access log without the forwarded client: %s", logBuf.String())
	}
}

// TestPipelineLogsRefusedRequests: requests refused by middleware — a
// 429 from the limiter, a preflight CORS does not allow, a 413 from a
// BodyLimit on the route — are logged once each, like any other.
func TestPipelineLogsRefusedRequests(t *testing.T) {
	var logBuf syncbuf.Buffer
	p, err := NewPipeline(PipelineOptions{
		AccessLog: AccessLogOptions{Logger: jsonLogger(&logBuf)},
		CORS:      &CORSOptions{AllowedOrigins: []string{"https://app.example.com"}},
		RateLimit: &RateLimitOptions{Rate: 1, Burst: 2}, // the preflight never reaches the limiter
	})
	if err != nil {
		t.Fatal(err)
	}
	rt := router.New()
	rt.Get("/", ok)
	rt.With(BodyLimit(4)).Post("/upload", ok)
	base := serve(t, p.Wrap(rt))
	c := client(t)
	steps := []struct {
		method, path string
		hdr          map[string]string
		body         string
		status       int
	}{
		{"GET", "/", nil, "", 200},
		{"OPTIONS", "/", map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "PUT"}, "", 204},
		{"POST", "/upload", nil, "too large", 413},
		{"GET", "/", nil, "", 429},
	}
	for _, s := range steps {
		var body io.Reader
		if s.body != "" {
			body = strings.NewReader(s.body)
		}
		resp, _ := do(t, c, s.method, base+s.path, s.hdr, body)
		if resp.StatusCode != s.status {
			t.Fatalf("%s %s: %d, want %d", s.method, s.path, resp.StatusCode, s.status)
		}
	}
	p.Close()
	lines := strings.Split(strings.TrimSpace(logBuf.String()), "\n")
	if len(lines) != len(steps) {
		t.Fatalf("%d access lines for %d requests:\n%s", len(lines), len(steps), logBuf.String())
	}
	for i, s := range steps {
		var m map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &m); err != nil {
			t.Fatal(err)
		}
		if m["method"] != s.method || m["path"] != s.path || m["status"] != float64(s.status) {
			t.Errorf("line %d: %v, want %s %s %d", i, m, s.method, s.path, s.status)
		}
	}
}

func TestPipelineReopen(t *testing.T) {
	name := filepath.Join(t.TempDir(), "access.log")
	f, err := OpenLogFile(name)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPipeline(PipelineOptions{AccessLog: AccessLogOptions{Format: AccessLogCombined, File: f}})
	if err != nil {
		t.Fatal(err)
	}
	h := p.Wrap(httpserver.HandlerFunc(ok))
	h.ServeHTTP(httpservertest.NewRecorder(), httpservertest.NewRequest("GET", "/before", nil))
	flushLog(t, p.AccessLog)
	os.Rename(name, name+".1")
	if err := p.Reopen(); err != nil {
		t.Fatal(err)
	}
	h.ServeHTTP(httpservertest.NewRecorder(), httpservertest.NewRequest("GET", "/after", nil))
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if old, cur := readFile(t, name+".1"), readFile(t, name); !strings.Contains(old, `"GET /before HTTP/1.1" 200 2`) || !strings.Contains(cur, `"GET /after HTTP/1.1" 200 2`) {
		t.Errorf("rotated %q, new %q", old, cur)
	}
	off, _ := NewPipeline(PipelineOptions{DisableAccessLog: true})
	if err := off.Reopen(); err != nil {
		t.Errorf("Reopen without an access log: %v", err)
	}
}
