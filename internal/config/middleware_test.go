package config

import (
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/httpservertest"
	"github.com/rawsock/httpserver/middleware"
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
		{"bad access log format", "middleware:\n  access_log_format: common\n", nil,
			`httpserver: config: middleware.access_log_format: invalid access log format "common" (want json or combined)`},
		{"bad flag access log format", "", []string{"--access-log-format", "text"}, `httpserver: flag --access-log-format: invalid access log format "text" (want json or combined)`},
		{"empty flag access log format", "", []string{"--access-log-format", ""}, `httpserver: flag --access-log-format: invalid access log format ""`},
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

// TestAccessLogSettings: the format and file keys from each source, the
// later source winning, as for the other middleware keys.
func TestAccessLogSettings(t *testing.T) {
	name := writeYAML(t, "middleware:\n  access_log_format: combined\n  access_log_file: /var/log/a.log\n")
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantFormat middleware.AccessLogFormat
		wantFile   string
	}{
		{"defaults", nil, nil, "", ""},
		{"yaml", []string{"--config", name}, nil, middleware.AccessLogCombined, "/var/log/a.log"},
		{"env over yaml", []string{"--config", name}, map[string]string{"HTTPSERVER_ACCESS_LOG_FORMAT": "json", "HTTPSERVER_ACCESS_LOG_FILE": "/tmp/b.log"}, middleware.AccessLogJSON, "/tmp/b.log"},
		{"flag over env", []string{"--access-log-format", "combined", "--access-log-file", "/tmp/c.log"}, map[string]string{"HTTPSERVER_ACCESS_LOG_FORMAT": "json"}, middleware.AccessLogCombined, "/tmp/c.log"},
		{"flag back to stdout", []string{"--config", name, "--access-log-file", ""}, nil, middleware.AccessLogCombined, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.args, env(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if c.Middleware.AccessLogFormat != tt.wantFormat || c.Middleware.AccessLogFile != tt.wantFile {
				t.Errorf("format %q file %q, want %q %q", c.Middleware.AccessLogFormat, c.Middleware.AccessLogFile, tt.wantFormat, tt.wantFile)
			}
		})
	}
}

// TestPipelineAccessLogFile: the pipeline appends combined lines to the
// configured file, logs the client behind a trusted proxy even with rate
// limiting off, and names the key when the file cannot be opened.
func TestPipelineAccessLogFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "access.log")
	yaml := writeYAML(t, "middleware:\n  rate_limit:\n    trusted_proxies: [192.0.2.0/24]\n")
	c, err := Load([]string{"--config", yaml, "--access-log-format", "combined", "--access-log-file", file}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var stdout strings.Builder
	p, err := c.Pipeline(&stdout, nil)
	if err != nil {
		t.Fatal(err)
	}
	req := httpservertest.NewRequest("GET", "/x", nil)
	req.RemoteAddr = "192.0.2.1:4000"
	req.Header.Set("X-Forwarded-For", "198.51.100.7")
	p.Wrap(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {})).ServeHTTP(httpservertest.NewRecorder(), req)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(got), "198.51.100.7 - - [") || !strings.HasSuffix(string(got), `] "GET /x HTTP/1.1" 200 - "-" "-"`+"\n") || stdout.Len() != 0 {
		t.Errorf("file %q, stdout %q", got, stdout.String())
	}

	c.Middleware.AccessLogFile = filepath.Join(dir, "missing", "access.log")
	if _, err := c.Pipeline(&stdout, nil); err == nil || !strings.HasPrefix(err.Error(), "httpserver: access-log-file: open ") {
		t.Errorf("unopenable file: %v", err)
	}
}
