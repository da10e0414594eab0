package main

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunLogsRejectedRequests: requests the server refuses before any
// handler (a declared body over --max-body-bytes, a malformed request
// line) are in the access log, as nginx logs them, with the reason.
func TestRunLogsRejectedRequests(t *testing.T) {
	file := filepath.Join(t.TempDir(), "access.log")
	addr, stop, status, log := runInProcess(t, []string{"--addr", "127.0.0.1:0", "--max-body-bytes", "100", "--access-log-file", file}, nil)
	for _, raw := range []string{
		"POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n",
		"NOT A REQUEST\r\n\r\n",
	} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, raw)
		io.ReadAll(c)
		c.Close()
	}
	stop()
	if code := status(); code != 0 {
		t.Fatalf("status %d; log:\n%s", code, log)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, want := range []string{`"status":413`, `"method":"POST"`, `"path":"/api/echo"`, `"status":400`, `"rejected":`} {
		if !strings.Contains(got, want) {
			t.Errorf("access log lacks %s:\n%s", want, got)
		}
	}
}
