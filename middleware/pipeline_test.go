package middleware

import (
	"encoding/json"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/router"
)

func TestPipelineDefault(t *testing.T) {
	var logBuf syncBuffer
	var panicBuf syncBuffer
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
		AccessLog: AccessLogOptions{Logger: jsonLogger(&syncBuffer{})},
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
