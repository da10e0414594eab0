package config

import (
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestWriteEffectiveRedactsSecrets(t *testing.T) {
	type withSecrets struct {
		Name     string
		Token    string `secret:"true"`
		Unset    string `secret:"true"`
		Password []byte `secret:"true"`
		Hook     func()
	}
	var b strings.Builder
	v := withSecrets{Name: "web", Token: "s3cr3t", Password: []byte("hunter2"), Hook: func() {}}
	if err := writeEffective(&b, v); err != nil {
		t.Fatal(err)
	}
	want := "name: web\ntoken: <redacted>\nunset: \"\"\npassword: <redacted>\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	if strings.Contains(b.String(), "s3cr3t") || strings.Contains(b.String(), "hunter2") {
		t.Error("a secret was written")
	}
}

// TestWriteEffectiveShowsEveryKey: every key of the YAML file appears in
// the effective configuration under the same name, so the report reads
// like the file (middleware's section excepted: it is shown by field).
func TestWriteEffectiveShowsEveryKey(t *testing.T) {
	c := Default()
	c.ReadTimeout = 90 * time.Second
	c.Static = []Mount{{Prefix: "/a", Dir: "/srv/a", CacheControl: "no-cache"}}
	var b strings.Builder
	if err := c.WriteEffective(&b); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := yaml.Unmarshal([]byte(b.String()), &got); err != nil {
		t.Fatalf("not YAML: %v\n%s", err, b.String())
	}
	for i := range settings {
		s := &settings[i]
		if s.flagOnly || s.envOnly {
			continue
		}
		if _, ok := got[s.yamlKey()]; !ok {
			t.Errorf("key %s missing from:\n%s", s.yamlKey(), b.String())
		}
	}
	for key, want := range map[string]any{"read_timeout": "1m30s", "engine": "goroutine", "epoll_hand_off": false, "log_level": "info", "demo": true, "max_conns": 10000} {
		if got[key] != want {
			t.Errorf("%s: %v (%T), want %v", key, got[key], got[key], want)
		}
	}
	mw, _ := got["middleware"].(map[string]any)
	for key, want := range map[string]any{"access_log_format": "json", "metrics_path": "/metrics"} {
		if mw[key] != want {
			t.Errorf("middleware.%s: %v, want the default %v", key, mw[key], want)
		}
	}
	static, _ := got["static"].([]any)
	if len(static) != 1 || static[0].(map[string]any)["cache_control"] != "no-cache" {
		t.Errorf("static: %v", got["static"])
	}
}

func TestSnakeCase(t *testing.T) {
	for in, want := range map[string]string{
		"Addr": "addr", "ReadHeaderTimeout": "read_header_timeout", "CORSOrigins": "cors_origins",
		"MaxBodyBytes": "max_body_bytes", "TLSCert": "tls_cert", "HTTP2": "http2", "IdleTimeout": "idle_timeout",
	} {
		if got := snakeCase(in); got != want {
			t.Errorf("snakeCase(%q) = %q, want %q", in, got, want)
		}
	}
}
