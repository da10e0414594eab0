package main

import (
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// awaitHealthStatus polls /health on fresh connections until it answers
// want, within the test wait.
func awaitHealthStatus(t *testing.T, addr string, want int) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: wait}
		if resp, err := c.Get("http://" + addr + "/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == want {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("/health never answered %d", want)
}

// TestRunShutdownDelay: after the signal, the server keeps accepting and
// serving for --shutdown-delay with /health failing, then shuts down.
func TestRunShutdownDelay(t *testing.T) {
	addr, stop, status, log := runInProcess(t, []string{"--addr", "127.0.0.1:0", "--shutdown-delay", "2s"}, nil)
	awaitHealthStatus(t, addr, 200)
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: wait}
	if code, _, body := get(t, c, "http://"+addr+"/health/ready"); code != 200 || body != `{"status":"ready"}`+"\n" {
		t.Errorf("/health/ready while serving: %d %q", code, body)
	}
	stop()
	awaitHealthStatus(t, addr, 503)
	// The readiness check fails too, from the start of the delay.
	if code, _, body := get(t, c, "http://"+addr+"/health/ready"); code != 503 || body != `{"status":"draining"}`+"\n" {
		t.Errorf("/health/ready during the delay: %d %q", code, body)
	}
	if code, _, body := get(t, c, "http://"+addr+"/health"); code != 503 || !strings.HasPrefix(body, `{"status":"shutting_down","version":"dev","uptime_seconds":`) {
		t.Errorf("/health during the delay: %d %q", code, body)
	}
	// Still serving other requests on new connections.
	if code, _, body := get(t, c, "http://"+addr+"/api/echo"); code != 200 || !strings.Contains(body, `"method":"GET"`) {
		t.Errorf("during the delay: %d %q", code, body)
	}
	if code := status(); code != 0 {
		t.Errorf("status %d, want 0; log:\n%s", code, log)
	}
	for _, want := range []string{`"msg":"draining: /health and /health/ready fail, still serving","delay":"2s"`, `"msg":"shutting down"`, `"msg":"stopped"`} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, log)
		}
	}
}

// TestRunSignalDuringShutdownDelay: a second signal ends the delay and
// the process at once.
func TestRunSignalDuringShutdownDelay(t *testing.T) {
	addr, _, status, log := runInProcess(t, []string{"--addr", "127.0.0.1:0", "--shutdown-delay", "1m"}, nil)
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	awaitHealthStatus(t, addr, 503)
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := status(); code != 1 {
		t.Errorf("status %d, want 1", code)
	}
	if !strings.Contains(log.String(), `"msg":"second signal; exiting now","signal":"interrupt"`) {
		t.Errorf("log lacks the second signal:\n%s", log)
	}
}
