package middleware

import (
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/testutil/syncbuf"
)

func TestParseAccessLogFormat(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    AccessLogFormat
		wantErr bool
	}{
		{"", AccessLogJSON, false},
		{"json", AccessLogJSON, false},
		{"combined", AccessLogCombined, false},
		{"Combined", "", true},
		{"common", "", true},
		{"text", "", true},
	} {
		got, err := ParseAccessLogFormat(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseAccessLogFormat(%q) = %q, %v", tt.in, got, err)
		}
	}
}

// TestAppendCombined checks whole lines of the combined log format
// against hand-written ones.
func TestAppendCombined(t *testing.T) {
	start := time.Date(2026, 10, 10, 13, 55, 36, 0, time.FixedZone("", -7*3600))
	for _, tt := range []struct {
		name string
		e    logEntry
		want string
	}{
		{"plain", logEntry{remote: "192.0.2.7:5555", method: "GET", target: "/apache_pb.gif?x=1", proto: "HTTP/1.0", status: 200, bytes: 2326,
			referer: "http://www.example.com/start.html", agent: "Mozilla/4.08 [en] (Win98; I ;Nav)"},
			`192.0.2.7 - - [10/Oct/2026:13:55:36 -0700] "GET /apache_pb.gif?x=1 HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"`},
		{"no body, referer or agent", logEntry{remote: "[::1]:80", method: "HEAD", target: "/", proto: "HTTP/1.1", status: 204},
			`::1 - - [10/Oct/2026:13:55:36 -0700] "HEAD / HTTP/1.1" 204 - "-" "-"`},
		{"client behind a proxy", logEntry{remote: "10.0.0.1:80", client: "198.51.100.7", method: "GET", target: "/", proto: "HTTP/1.1", status: 429, bytes: 18},
			`198.51.100.7 - - [10/Oct/2026:13:55:36 -0700] "GET / HTTP/1.1" 429 18 "-" "-"`},
		{"mapped IPv4 peer", logEntry{remote: "[::ffff:192.0.2.1]:80", method: "GET", target: "/", proto: "HTTP/1.1", status: 200},
			`192.0.2.1 - - [10/Oct/2026:13:55:36 -0700] "GET / HTTP/1.1" 200 - "-" "-"`},
		{"forged fields escaped", logEntry{remote: "192.0.2.7:1", method: "GET", target: "/", proto: "HTTP/1.1", status: 200,
			referer: `x" 200 1 "y`, agent: "a\\b\x00\nc\xff"},
			`192.0.2.7 - - [10/Oct/2026:13:55:36 -0700] "GET / HTTP/1.1" 200 - "x\" 200 1 \"y" "a\\b\x00\x0Ac\xFF"`},
		{"unparsable peer", logEntry{remote: "pipe", method: "GET", target: "*", proto: "HTTP/1.1", status: 400},
			`pipe - - [10/Oct/2026:13:55:36 -0700] "GET * HTTP/1.1" 400 - "-" "-"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.e.start = start
			if got := string(appendCombined(nil, &tt.e)); got != tt.want+"\n" {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// combinedLine matches one combined-format line from a loopback client.
var combinedLine = regexp.MustCompile(`^(\S+) - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "([^"]*)" (\d{3}) (\d+|-) "([^"]*)" "([^"]*)"$`)

func TestAccessLogCombinedOverLoopback(t *testing.T) {
	var buf syncbuf.Buffer
	logs := NewAccessLog(AccessLogOptions{Format: AccessLogCombined, Output: &buf,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	defer logs.Close()
	base := serve(t, logs.Middleware(httpserver.HandlerFunc(ok)))
	c := client(t)
	do(t, c, "GET", base+"/a%20b?q=1", map[string]string{"User-Agent": "tester/1", "Referer": "https://ref.example/"}, nil)
	do(t, c, "GET", base+"/", map[string]string{"User-Agent": "", "X-Forwarded-For": "198.51.100.7"}, nil)
	flushLog(t, logs)
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %q", buf.String())
	}
	want := [][]string{
		{"127.0.0.1", "GET /a%20b?q=1 HTTP/1.1", "200", "2", "https://ref.example/", "tester/1"},
		{"198.51.100.7", "GET / HTTP/1.1", "200", "2", "-", "-"},
	}
	for i, line := range lines {
		m := combinedLine.FindStringSubmatch(line)
		if m == nil || strings.Join(m[1:], "|") != strings.Join(want[i], "|") {
			t.Errorf("line %d: %s\nwant fields %q", i, line, want[i])
		}
	}
}

func TestNewAccessLogPanicsOnUnknownFormat(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for format \"Combined\"")
		}
	}()
	NewAccessLog(AccessLogOptions{Format: "Combined"}).Close()
}
