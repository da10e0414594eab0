package main

import (
	"encoding/json"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// metricsAddr returns the address of the "metrics listening" record.
func metricsAddr(t *testing.T, log *logSink) string {
	t.Helper()
	for line := range strings.Lines(log.String()) {
		var rec struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "metrics listening" {
			return rec.Addr
		}
	}
	t.Fatalf("no metrics listening record:\n%s", log)
	return ""
}

// TestRunMetricsAddr: with --metrics-addr the metrics (request counts,
// go_* and process_*) are served there only, and that listener stops with
// the server.
func TestRunMetricsAddr(t *testing.T) {
	addr, stop, status, log := runInProcess(t, []string{"--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--metrics-path", "/m"}, nil)
	maddr := metricsAddr(t, log)
	c := newClient(t)
	get(t, c, "http://"+addr+"/health")
	if code, _, body := get(t, c, "http://"+addr+"/m"); code != 404 || strings.Contains(body, "http_requests_total") {
		t.Errorf("GET /m on the main address: %d %.80q, want 404", code, body)
	}
	code, hdr, body := get(t, c, "http://"+maddr+"/m")
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Errorf("GET /m on the metrics address: %d %q", code, hdr.Get("Content-Type"))
	}
	for _, want := range []string{
		`http_requests_total{method="GET",route="/health",status="200"} 1`,
		`http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		"\n# TYPE go_goroutines gauge\n", "\n# TYPE process_open_fds gauge\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
	if code, _, _ := get(t, c, "http://"+maddr+"/"); code != 404 {
		t.Errorf("GET / on the metrics address: %d, want 404", code)
	}
	if resp, err := c.Post("http://"+maddr+"/m", "text/plain", strings.NewReader("x")); err != nil || resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /m on the metrics address: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	c.CloseIdleConnections()
	stop()
	if code := status(); code != 0 {
		t.Errorf("status %d, want 0; log:\n%s", code, log)
	}
	if conn, err := net.DialTimeout("tcp", maddr, time.Second); err == nil {
		conn.Close()
		t.Errorf("the metrics address still accepts connections after the server stopped")
	}
}

// TestRunEpollHandOff: --epoll-hand-off reaches the Server: on the epoll
// engine, requests are served on the event loops (the metric
// http_epoll_served_in_place_total grows) unless it is set, and then
// none is (the metric stays 0).
func TestRunEpollHandOff(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the epoll engine runs on Linux only")
	}
	for _, handOff := range []bool{false, true} {
		t.Run(fmt.Sprint("epoll-hand-off=", handOff), func(t *testing.T) {
			addr, _, _, _ := runInProcess(t, []string{"--addr", "127.0.0.1:0", "--engine", "epoll", "--epoll-hand-off=" + strconv.FormatBool(handOff)}, nil)
			c := newClient(t)
			for range 5 { // keep-alive: the loop reads each request after the connection parked
				if code, _, _ := get(t, c, "http://"+addr+"/health"); code != 200 {
					t.Fatalf("GET /health: %d", code)
				}
			}
			_, _, body := get(t, c, "http://"+addr+"/metrics")
			var served, handOns string
			for line := range strings.Lines(body) {
				if v, ok := strings.CutPrefix(line, "http_epoll_served_in_place_total "); ok {
					served = strings.TrimSpace(v)
				}
				if v, ok := strings.CutPrefix(line, "http_epoll_hand_ons_total "); ok {
					handOns = strings.TrimSpace(v)
				}
			}
			n, err := strconv.ParseUint(served, 10, 64)
			if err != nil || handOff != (n == 0) {
				t.Errorf("http_epoll_served_in_place_total %q after 6 requests\n%s", served, body)
			}
			if handOns == "" || handOff && handOns != "0" {
				t.Errorf("http_epoll_hand_ons_total %q", handOns)
			}
		})
	}
}

// TestRunMetricsOnMainAddr: without --metrics-addr the main address
// answers the metrics path, as before.
func TestRunMetricsOnMainAddr(t *testing.T) {
	addr, _, _, log := runInProcess(t, []string{"--addr", "127.0.0.1:0"}, nil)
	if code, _, body := get(t, newClient(t), "http://"+addr+"/metrics"); code != 200 || !strings.Contains(body, "# TYPE go_goroutines gauge") {
		t.Errorf("GET /metrics: %d\n%s", code, body)
	}
	if strings.Contains(log.String(), "metrics listening") {
		t.Errorf("a metrics listener started without --metrics-addr:\n%s", log)
	}
}
