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

// A response cut because the client stopped reading is logged as aborted,
// at warn level, with the reason and the bytes sent; one sent whole is not.
func TestAccessLogAbortedResponse(t *testing.T) {
	var buf syncbuf.Buffer
	logs := NewAccessLog(AccessLogOptions{Logger: jsonLogger(&buf)})
	defer logs.Close()
	done := make(chan error, 1)
	h := logs.Middleware(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		if r.Path == "/small" {
			w.WriteString("ok")
			return
		}
		chunk := make([]byte, 64<<10)
		var err error
		for i := 0; i < 1024 && err == nil; i++ { // up to 64 MiB to a client that reads nothing
			_, err = w.Write(chunk)
		}
		done <- err
	}))
	addr, _ := testserver.Start(t, h, func(s *httpserver.Server) { s.Timeouts.Write = 300 * time.Millisecond })

	do(t, client(t), "GET", "http://"+addr+"/small", nil, nil)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /big HTTP/1.1\r\nHost: h\r\n\r\n")
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("64 MiB went to a client that reads nothing")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the response to a client that reads nothing was not cut")
	}
	flushLog(t, logs)

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %q", buf.String())
	}
	var small, big map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &small); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &big); err != nil {
		t.Fatal(err)
	}
	if small["level"] != "INFO" || small["aborted"] != nil || small["sent"] != nil {
		t.Errorf("whole response logged as %v", small)
	}
	if big["path"] != "/big" || big["level"] != "WARN" || big["status"] != 200.0 ||
		big["aborted"] != "write timeout: no progress for 300ms" {
		t.Errorf("aborted response logged as %v", big)
	}
	if b, _ := big["bytes"].(float64); b <= 0 {
		t.Errorf("bytes = %v, want > 0", big["bytes"])
	}
	if s, _ := big["sent"].(float64); s <= 0 {
		t.Errorf("sent = %v, want > 0", big["sent"])
	}
}
