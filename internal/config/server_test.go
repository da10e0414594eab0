package config

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
)

func TestApply(t *testing.T) {
	c := Default()
	c.Addr = "127.0.0.1:0"
	c.ReadHeaderTimeout = 2 * time.Second
	c.ReadTimeout = 0 // disabled
	c.WriteTimeout = 3 * time.Second
	c.ResponseTimeout = 4 * time.Second
	c.IdleTimeout = 0
	c.MaxHeaderBytes = 1 << 12
	c.MaxBodyBytes = 1 << 30
	c.MaxConns = 0 // no cap
	c.ServerName = "demo/1"
	var s httpserver.Server
	c.Apply(&s)
	wantT := httpserver.Timeouts{ReadHeader: 2 * time.Second, Read: -1, Write: 3 * time.Second, Response: 4 * time.Second, Idle: -1}
	if s.Timeouts != wantT {
		t.Errorf("Timeouts = %+v, want %+v", s.Timeouts, wantT)
	}
	wantL := httpserver.Limits{MaxHeaderBytes: 1 << 12, MaxBodyBytes: 1 << 30, MaxConns: -1}
	if s.Limits != wantL {
		t.Errorf("Limits = %+v, want %+v", s.Limits, wantL)
	}
	if s.Addr != "127.0.0.1:0" || s.Name != "demo/1" {
		t.Errorf("Addr, Name = %q, %q", s.Addr, s.Name)
	}
	c.MaxConns = 5
	if l := c.Limits(); l.MaxConns != 5 {
		t.Errorf("Limits() = %+v", l)
	}
}

func TestClampInt(t *testing.T) {
	if got := clampInt(1 << 20); got != 1<<20 {
		t.Errorf("clampInt(1<<20) = %d", got)
	}
	if maxInt < 1<<62 { // 32-bit platforms only
		if got := clampInt(1 << 62); got != maxInt {
			t.Errorf("clampInt(1<<62) = %d, want %d", got, maxInt)
		}
	}
}

func TestNewLogger(t *testing.T) {
	c := Default()
	var b bytes.Buffer
	log := c.NewLogger(&b)
	log.Debug("hidden")
	log.Info("shown", "k", 1)
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatalf("default format is not one JSON object: %v: %q", err, b.String())
	}
	if m["msg"] != "shown" || m["k"] != 1.0 {
		t.Errorf("record = %v", m)
	}

	b.Reset()
	c.LogFormat = "text"
	c.LogLevel = -4 // debug
	c.NewLogger(&b).Debug("visible")
	if !strings.Contains(b.String(), "level=DEBUG msg=visible") {
		t.Errorf("text record = %q", b.String())
	}
}
