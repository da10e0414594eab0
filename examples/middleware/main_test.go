package main

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/middleware"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestExampleRoutes(t *testing.T) {
	p, err := middleware.NewPipeline(middleware.PipelineOptions{DisableAccessLog: true,
		RateLimit: &middleware.RateLimitOptions{Rate: 100, Burst: 100}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httpserver.Server{Handler: p.Wrap(routes())}
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(ln) }()
	defer func() { srv.Close(); <-done }()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	base := "http://" + ln.Addr().String()
	for _, tt := range []struct {
		method, path, body string
		want               int
	}{
		{"GET", "/api/items", "", 200},
		{"GET", "/api/report", "", 200},
		{"GET", "/api/slow", "", 503},
		{"GET", "/api/panic", "", 500},
		{"POST", "/api/items", "{}", 201},
		{"POST", "/api/items", strings.Repeat("x", 5000), 413},
		{"GET", "/health", "", 200},
	} {
		req, _ := http.NewRequest(tt.method, base+tt.path, strings.NewReader(tt.body))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.want || resp.Header.Get("X-Request-ID") == "" {
			t.Errorf("%s %s: %d, want %d", tt.method, tt.path, resp.StatusCode, tt.want)
		}
	}
}
