package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/rawsock/httpserver/internal/testutil/syncbuf"
)

// runWithStdout runs the binary in process, returning its address, its
// stdout, and a func that stops it and returns the exit status.
func runWithStdout(t *testing.T, args ...string) (string, *syncbuf.Buffer, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := newLogSink()
	stdout := &syncbuf.Buffer{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), env(nil), stdout, log) }()
	addr := awaitAddr(t, log.addr, log)
	stopped := false
	stop := func() int {
		cancel()
		stopped = true
		return <-done
	}
	t.Cleanup(func() {
		if !stopped {
			stop()
		}
	})
	return addr, stdout, stop
}

func TestDefaultPipeline(t *testing.T) {
	addr, stdout, stop := runWithStdout(t)
	c := newClient(t)
	base := "http://" + addr
	resp, err := c.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	id := resp.Header.Get("X-Request-ID")
	if len(id) != 26 || !resp.Uncompressed || resp.Header.Get("Vary") != "Accept-Encoding" {
		t.Errorf("GET /: id %q uncompressed %v vary %q", id, resp.Uncompressed, resp.Header.Get("Vary"))
	}
	for i := 0; i < 3; i++ {
		get(t, c, base+"/health")
	}
	code, _, body := get(t, c, base+"/metrics")
	if code != 200 || !strings.Contains(body, `http_requests_total{method="GET",route=`) || !strings.Contains(body, "http_open_connections 1") ||
		!strings.Contains(body, "\n# TYPE go_goroutines gauge\n") || !strings.Contains(body, "\n# TYPE process_resident_memory_bytes gauge\n") {
		t.Errorf("/metrics: %d\n%s", code, body)
	}
	if status := stop(); status != 0 {
		t.Fatalf("exit %d", status)
	}
	// The access log went to stdout, flushed at shutdown; /health is quiet.
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("stdout lines %d:\n%s", len(lines), stdout)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatal(err)
	}
	if rec["msg"] != "request" || rec["request_id"] != id || rec["path"] != "/" || rec["status"] != 200.0 {
		t.Errorf("access record %v", rec)
	}
}

func TestPipelineFlags(t *testing.T) {
	addr, stdout, _ := runWithStdout(t, "--access-log=false", "--rate-limit", "1", "--rate-burst", "2",
		"--cors-origins", "https://app.example.com, https://*.example.org", "--metrics-path", "/_metrics")
	c := newClient(t)
	base := "http://" + addr
	codes := []int{}
	for i := 0; i < 3; i++ {
		req, _ := http.NewRequest("GET", base+"/api/echo", nil)
		req.Header.Set("Origin", "https://x.example.org")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
		if resp.Header.Get("Access-Control-Allow-Origin") != "https://x.example.org" {
			t.Errorf("request %d: CORS fields %v", i, resp.Header)
		}
		if i == 2 && resp.Header.Get("Retry-After") == "" {
			t.Errorf("429 without Retry-After")
		}
	}
	if codes[0] != 200 || codes[1] != 200 || codes[2] != 429 {
		t.Errorf("statuses %v, want 200 200 429", codes)
	}
	if code, _, body := get(t, c, base+"/_metrics"); code != 200 || !strings.Contains(body, "http_requests_rate_limited_total 1") {
		t.Errorf("/_metrics: %d\n%s", code, body)
	}
	if stdout.String() != "" {
		t.Errorf("access log written with --access-log=false: %s", stdout)
	}
}

// TestProbesBypassLimiter: the health endpoints skip the rate limiter (a
// load balancer polling from one address is never refused, and uses up no
// tokens) and compression, but keep CORS, request IDs and metrics under
// their own routes; they are quiet in the access log until they fail.
func TestProbesBypassLimiter(t *testing.T) {
	addr, stdout, stop := runWithStdout(t, "--rate-limit", "0.001", "--rate-burst", "2", "--cors-origins", "https://app.example.com")
	c := newClient(t)
	base := "http://" + addr
	for i := 0; i < 5; i++ {
		for _, path := range []string{"/health", "/health/ready"} {
			req, _ := http.NewRequest("GET", base+path, nil)
			req.Header.Set("Accept-Encoding", "gzip")
			req.Header.Set("Origin", "https://app.example.com")
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Accept-Encoding") || resp.Header.Get("X-Request-ID") == "" ||
				resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
				t.Fatalf("probe %d %s: %d %v", i, path, resp.StatusCode, resp.Header)
			}
			for name := range resp.Header { // RateLimit-Limit (draft 06), RateLimit and RateLimit-Policy (draft 11)
				if strings.HasPrefix(strings.ToLower(name), "ratelimit") {
					t.Fatalf("probe %d %s went through the rate limiter: %s: %s", i, path, name, resp.Header.Get(name))
				}
			}
		}
	}
	// The probes used none of the burst of two.
	for i := 0; i < 3; i++ {
		code, _, _ := get(t, c, base+"/api/echo")
		if want := []int{200, 200, 429}[i]; code != want {
			t.Errorf("GET /api/echo #%d after the probes: %d, want %d", i+1, code, want)
		}
	}
	_, _, body := get(t, c, base+"/metrics")
	for _, want := range []string{
		`http_requests_total{method="GET",route="/health",status="200"} 5`,
		`http_requests_total{method="GET",route="/health/ready",status="200"} 5`,
		`http_requests_rate_limited_total 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s:\n%s", want, body)
		}
	}
	if status := stop(); status != 0 {
		t.Fatalf("exit %d", status)
	}
	if strings.Contains(stdout.String(), `"path":"/health`) {
		t.Errorf("successful probes were logged:\n%s", stdout)
	}
}
