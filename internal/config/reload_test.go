package config

import (
	"fmt"
	"testing"
)

// TestKeepRestartOnly: a reloaded configuration keeps the old value of
// each setting a running server cannot change, and names it; the others
// take their new values.
func TestKeepRestartOnly(t *testing.T) {
	cases := []struct {
		args []string
		kept string // the names reported
	}{
		{nil, "[]"},
		{[]string{"--root", "."}, "[]"},
		{[]string{"--log-level", "debug", "--shutdown-timeout", "3s", "--rate-limit", "5"}, "[]"},
		{[]string{"--addr", "127.0.0.1:1"}, "[addr]"},
		{[]string{"--engine", "pool", "--max-conns", "5", "--write-timeout", "1s"}, "[engine write-timeout max-conns]"},
		{[]string{"--engine", "epoll", "--epoll-hand-off"}, "[engine epoll-hand-off]"},
		{[]string{"--response-timeout", "1m"}, "[response-timeout]"},
		{[]string{"--log-format", "text", "--server-name", "x", "--workers", "3"}, "[server-name log-format workers]"},
		{[]string{"--metrics-addr", "127.0.0.1:9"}, "[metrics-addr]"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.args), func(t *testing.T) {
			old, err := Load(nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Load(tc.args, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := c
			kept := c.KeepRestartOnly(&old)
			if got := fmt.Sprint(kept); got != tc.kept {
				t.Errorf("kept %s, want %s", got, tc.kept)
			}
			// What was kept has its old value; what was not, its new one.
			if c.Addr != old.Addr || c.Engine != old.Engine || c.EpollHandOff != old.EpollHandOff || c.MaxConns != old.MaxConns || c.WriteTimeout != old.WriteTimeout || c.ResponseTimeout != old.ResponseTimeout ||
				c.LogFormat != old.LogFormat || c.ServerName != old.ServerName || c.Workers != old.Workers || c.Middleware.MetricsAddr != old.Middleware.MetricsAddr {
				t.Errorf("a restart-only setting changed: %+v", c)
			}
			if c.Root != want.Root || c.LogLevel != want.LogLevel || c.ShutdownTimeout != want.ShutdownTimeout || c.Middleware.RateLimit != want.Middleware.RateLimit {
				t.Errorf("a live setting was not taken: %+v", c)
			}
		})
	}
}

// TestSamePipeline: only a change of the middleware settings needs a new
// pipeline.
func TestSamePipeline(t *testing.T) {
	base, _ := Load(nil, nil)
	for _, tc := range []struct {
		args []string
		same bool
	}{
		{[]string{"--root", "."}, true},
		{[]string{"--log-level", "warn"}, true},
		{[]string{"--rate-limit", "5"}, false},
		{[]string{"--access-log=false"}, false},
		{[]string{"--cors-origins", "https://a.example"}, false},
	} {
		c, err := Load(tc.args, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.SamePipeline(&base); got != tc.same {
			t.Errorf("%v: SamePipeline %v, want %v", tc.args, got, tc.same)
		}
	}
}
