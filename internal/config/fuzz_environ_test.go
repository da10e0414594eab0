package config

import (
	"strings"
	"testing"
)

// fuzzVariables are the variables FuzzEnviron sets: one of each kind of
// value (address, duration, size, count, rate, name, list, path, bool).
var fuzzVariables = []string{
	"HTTPSERVER_ADDR", "HTTPSERVER_READ_HEADER_TIMEOUT", "HTTPSERVER_SHUTDOWN_TIMEOUT",
	"HTTPSERVER_MAX_HEADER_BYTES", "HTTPSERVER_MAX_BODY_BYTES", "HTTPSERVER_MAX_CONNS",
	"HTTPSERVER_ENGINE", "HTTPSERVER_LOG_LEVEL", "HTTPSERVER_SERVER_NAME", "HTTPSERVER_DEMO",
	"HTTPSERVER_FILE_CACHE", "HTTPSERVER_RATE_LIMIT", "HTTPSERVER_RATE_BURST",
	"HTTPSERVER_CORS_ORIGINS", "HTTPSERVER_METRICS_PATH", "HTTPSERVER_METRICS_ADDR",
	"HTTPSERVER_ACCESS_LOG_FORMAT",
}

// FuzzEnviron sets one HTTPSERVER_* variable (and optionally a second) to
// arbitrary values: Load either accepts them or fails with one line that
// names the first offending variable, never a panic. Seeds live in
// testdata/fuzz/FuzzEnviron.
func FuzzEnviron(f *testing.F) {
	f.Add(uint8(0), "127.0.0.1:0", uint8(1), "5s")
	f.Add(uint8(3), "64KiB", uint8(5), "-1")
	f.Add(uint8(11), "0.5", uint8(12), "0")
	f.Add(uint8(13), "https://*.example.com,*", uint8(14), "/health")
	f.Add(uint8(8), "a\x7fb", uint8(9), "yes")
	f.Fuzz(func(t *testing.T, i uint8, v string, j uint8, w string) {
		a, b := fuzzVariables[int(i)%len(fuzzVariables)], fuzzVariables[int(j)%len(fuzzVariables)]
		env := map[string]string{a: v}
		if b != a {
			env[b] = w
		}
		_, err := Load(nil, func(k string) string { return env[k] })
		if err == nil {
			return
		}
		msg := err.Error()
		if _, ok := err.(*Error); !ok {
			t.Fatalf("error %T, want *Error: %s", err, msg)
		}
		if strings.ContainsAny(msg, "\r\n") || !strings.HasPrefix(msg, "httpserver: ") {
			t.Fatalf("bad message %q", msg)
		}
		if !strings.Contains(msg, a) && !strings.Contains(msg, b) {
			t.Fatalf("message %q names neither %s nor %s", msg, a, b)
		}
	})
}
