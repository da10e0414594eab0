package demo

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/rawsock/httpserver/httpservertest"
)

// clock returns a Now func reading *t.
func clock(t *time.Time) func() time.Time { return func() time.Time { return *t } }

func TestHealth(t *testing.T) {
	start := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	now := start.Add(62*time.Second + 500*time.Millisecond)
	shutting := false
	h := Handler(Options{Version: "v1.2.3", Start: start, Now: clock(&now), ShuttingDown: func() bool { return shutting }})

	cases := []struct {
		name     string
		method   string
		elapsed  time.Duration
		shutting bool
		code     int
		body     string
	}{
		{"get", "GET", 62*time.Second + 500*time.Millisecond, false, 200, `{"status":"ok","version":"v1.2.3","uptime_seconds":62.5,"uptime":"1m2s"}` + "\n"},
		{"head", "HEAD", time.Second, false, 200, `{"status":"ok","version":"v1.2.3","uptime_seconds":1,"uptime":"1s"}` + "\n"},
		{"just started", "GET", 1234567 * time.Nanosecond, false, 200, `{"status":"ok","version":"v1.2.3","uptime_seconds":0.001,"uptime":"0s"}` + "\n"},
		{"clock went back", "GET", -time.Hour, false, 200, `{"status":"ok","version":"v1.2.3","uptime_seconds":0,"uptime":"0s"}` + "\n"},
		{"shutting down", "GET", 3 * time.Hour, true, 503, `{"status":"shutting_down","version":"v1.2.3","uptime_seconds":10800,"uptime":"3h0m0s"}` + "\n"},
		{"post", "POST", 0, false, 405, "Method Not Allowed\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			now = start.Add(tc.elapsed)
			shutting = tc.shutting
			rec := httpservertest.NewRecorder()
			h.ServeHTTP(rec, httpservertest.NewRequest(tc.method, "/health", nil))
			code, hdr, body := rec.Result()
			if code != tc.code || body != tc.body {
				t.Errorf("got %d %q\nwant %d %q", code, body, tc.code, tc.body)
			}
			if code == 405 {
				if got := hdr.Get("Allow"); got != "GET, HEAD" {
					t.Errorf("Allow = %q", got)
				}
				return
			}
			if got := hdr.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q", got)
			}
			if got := hdr.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q", got)
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(body), &m); err != nil || len(m) != 4 {
				t.Errorf("body is not a 4-key JSON object: %v %v", m, err)
			}
		})
	}
}

func TestHealthDefaults(t *testing.T) {
	// Without Start and Now, uptime counts from the call to Handler.
	h := Handler(Options{Version: "dev"})
	rec := httpservertest.NewRecorder()
	h.ServeHTTP(rec, httpservertest.NewRequest("GET", "/health", nil))
	var rep healthReport
	if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Status != "ok" || rep.Version != "dev" || rep.UptimeSeconds < 0 || rep.UptimeSeconds > 60 {
		t.Errorf("report = %+v", rep)
	}
}

func TestReady(t *testing.T) {
	shutting := false
	h := Handler(Options{Version: "v1", ShuttingDown: func() bool { return shutting }})
	cases := []struct {
		name     string
		method   string
		shutting bool
		code     int
		body     string
	}{
		{"serving", "GET", false, 200, `{"status":"ready"}` + "\n"},
		{"head", "HEAD", false, 200, `{"status":"ready"}` + "\n"},
		{"draining", "GET", true, 503, `{"status":"draining"}` + "\n"},
		{"post", "POST", false, 405, "Method Not Allowed\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			shutting = tc.shutting
			rec := httpservertest.NewRecorder()
			r := httpservertest.NewRequest(tc.method, "/health/ready", nil)
			h.ServeHTTP(rec, r)
			code, hdr, body := rec.Result()
			if code != tc.code || body != tc.body {
				t.Errorf("got %d %q, want %d %q", code, body, tc.code, tc.body)
			}
			if r.Pattern != "/health/ready" {
				t.Errorf("Pattern = %q", r.Pattern)
			}
			if code != 405 && hdr.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q", hdr.Get("Cache-Control"))
			}
		})
	}
}

func TestIsProbe(t *testing.T) {
	for path, want := range map[string]bool{
		"/health": true, "/health/ready": true, "/health/": false, "/health/ready/": false,
		"/healthz": false, "/": false, "": false, "/api/echo": false,
	} {
		if got := IsProbe(path); got != want {
			t.Errorf("IsProbe(%q) = %v", path, got)
		}
	}
}
