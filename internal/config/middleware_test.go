package config

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestMiddlewareSection(t *testing.T) {
	name := writeYAML(t, `
middleware:
  access_log: false
  access_log_quiet: [/health, /ready]
  compress: false
  metrics: true
  metrics_path: /_m
  cors:
    origins: [https://app.example.com, "https://*.example.org"]
    methods: [GET, POST]
    headers: [Content-Type]
    expose: [X-Request-ID]
    credentials: true
    max_age: 10m
  rate_limit:
    rate: 2.5
    burst: 10
    trusted_proxies: [10.0.0.0/8, 192.0.2.1]
    max_keys: 5000
`)
	c, err := Load([]string{"--config", name}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Middleware{
		NoAccessLog: true, AccessLogQuiet: []string{"/health", "/ready"}, NoCompress: true, MetricsPath: "/_m",
		CORSOrigins: []string{"https://app.example.com", "https://*.example.org"}, CORSMethods: []string{"GET", "POST"},
		CORSHeaders: []string{"Content-Type"}, CORSExpose: []string{"X-Request-ID"}, CORSCredentials: true, CORSMaxAge: 10 * time.Minute,
		RateLimit: 2.5, RateBurst: 10, RateMaxKeys: 5000,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32")},
	}
	if !reflect.DeepEqual(c.Middleware, want) {
		t.Errorf("got  %+v\nwant %+v", c.Middleware, want)
	}
	p, err := c.Pipeline(&strings.Builder{}, nil)
	if err != nil || p.RateLimiter == nil || p.AccessLog != nil || p.Metrics == nil {
		t.Errorf("pipeline %+v, %v", p, err)
	}
	p.Close()

	// Flags and the environment override the file.
	c, err = Load([]string{"--config", name, "--rate-limit", "7", "--access-log"}, func(k string) string {
		if k == "HTTPSERVER_CORS_ORIGINS" {
			return "http://localhost:3000"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Middleware.RateLimit != 7 || c.Middleware.NoAccessLog || !reflect.DeepEqual(c.Middleware.CORSOrigins, []string{"http://localhost:3000"}) {
		t.Errorf("overrides: %+v", c.Middleware)
	}
}

func TestMiddlewareDefaults(t *testing.T) {
	c, err := Load(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Middleware, Middleware{}) {
		t.Errorf("defaults %+v", c.Middleware)
	}
	p, err := c.Pipeline(&strings.Builder{}, nil)
	if err != nil || p.AccessLog == nil || p.Metrics == nil || p.RateLimiter != nil {
		t.Errorf("default pipeline %+v, %v", p, err)
	}
	p.Close()
}

func TestMiddlewareErrors(t *testing.T) {
	cases := []struct {
		name, yaml string
		args       []string
		want       string
	}{
		{"credentials with any origin", "middleware:\n  cors:\n    origins: [\"*\"]\n    credentials: true\n", nil,
			`httpserver: config: middleware.cors: middleware: invalid CORS configuration: origin "*" with credentials`},
		{"bad origin", "middleware:\n  cors:\n    origins: [example.com]\n", nil,
			`httpserver: config: middleware.cors.origins: invalid origin "example.com" (want scheme://host[:port], scheme://*.domain or *)`},
		{"bad max age", "middleware:\n  cors:\n    origins: [\"*\"]\n    max_age: soon\n", nil,
			`httpserver: config: middleware.cors.max_age: invalid duration "soon"`},
		{"bad rate", "middleware:\n  rate_limit:\n    rate: fast\n", nil,
			`httpserver: config: middleware.rate_limit.rate: invalid rate "fast" (want requests per second, e.g. 20 or 0.5)`},
		{"negative burst", "middleware:\n  rate_limit:\n    burst: -1\n", nil, `middleware.rate_limit.burst`},
		{"bad max keys", "middleware:\n  rate_limit:\n    max_keys: x\n", nil, `middleware.rate_limit.max_keys`},
		{"bad proxy", "middleware:\n  rate_limit:\n    trusted_proxies: [10.0.0.0/99]\n", nil,
			`httpserver: config: middleware.rate_limit.trusted_proxies: invalid proxy address "10.0.0.0/99" (want a CIDR prefix like 10.0.0.0/8)`},
		{"bad metrics path", "middleware:\n  metrics_path: metrics\n", nil,
			`httpserver: config: middleware.metrics_path: invalid metrics path "metrics" (want an absolute path like /metrics)`},
		{"unknown key", "middleware:\n  compression: true\n", nil, `unknown key "compression"`},
		{"bad flag rate", "", []string{"--rate-limit", "-1"}, `httpserver: flag --rate-limit: invalid rate "-1"`},
		{"bad flag origins", "", []string{"--cors-origins", "https://a.com,nope"}, `httpserver: flag --cors-origins: invalid origin "nope"`},
		{"bad flag metrics path", "", []string{"--metrics-path", ""}, `httpserver: flag --metrics-path: invalid metrics path ""`},
		{"bad flag access log", "", []string{"--access-log=maybe"}, `httpserver: flag --access-log: invalid boolean "maybe"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if tc.yaml != "" {
				args = append([]string{"--config", writeYAML(t, tc.yaml)}, args...)
			}
			_, err := Load(args, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}
