package middleware

import (
	"encoding/json"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/testserver"
	"github.com/rawsock/httpserver/internal/testutil/syncbuf"
)

// TestAccessLogRejected: requests the server refuses before any handler
// (here a declared body over the limit, and a malformed request line)
// reach the access log through Server.Rejected, in both formats.
func TestAccessLogRejected(t *testing.T) {
	for _, tc := range []struct {
		name        string
		format      AccessLogFormat
		throughSlog bool
	}{{"json", AccessLogJSON, false}, {"json through a Logger", AccessLogJSON, true}, {"combined", AccessLogCombined, false}} {
		format := tc.format
		t.Run(tc.name, func(t *testing.T) {
			var buf syncbuf.Buffer
			opts := AccessLogOptions{Format: format, Output: &buf}
			if tc.throughSlog {
				opts.Logger = jsonLogger(&buf)
			}
			logs := NewAccessLog(opts)
			defer logs.Close()
			addr, _ := testserver.Start(t, logs.Middleware(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {})), func(s *httpserver.Server) {
				s.Limits.MaxBodyBytes = 10
				s.Rejected = logs.LogRejected
			})
			for _, raw := range []string{
				"POST /up?a=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n",
				"BAD LINE\r\n\r\n",
			} {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				c.SetDeadline(time.Now().Add(5 * time.Second))
				io.WriteString(c, raw)
				io.ReadAll(c) // the answer, then the close
				c.Close()
			}
			flushLog(t, logs)
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			if len(lines) != 2 {
				t.Fatalf("want 2 lines, got %q", buf.String())
			}
			if format == AccessLogCombined {
				if !strings.Contains(lines[0], `"POST /up?a=1 HTTP/1.1" 413 -`) || !strings.Contains(lines[1], `"-" 400 -`) {
					t.Fatalf("lines %q", lines)
				}
				return
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(lines[0]), &m); err != nil {
				t.Fatal(err)
			}
			if m["status"] != 413.0 || m["method"] != "POST" || m["path"] != "/up" || m["query"] != "a=1" || !strings.Contains(m["rejected"].(string), "Content-Length") {
				t.Errorf("record %v", m)
			}
			json.Unmarshal([]byte(lines[1]), &m)
			if m["status"] != 400.0 || m["rejected"] == "" {
				t.Errorf("record %v", m)
			}
		})
	}
}

// TestLogRejectedNil: a pipeline without an access log has a nil one,
// whose LogRejected does nothing.
func TestLogRejectedNil(t *testing.T) {
	var a *AccessLog
	a.LogRejected(&httpserver.RejectedRequest{Status: 400})
}
