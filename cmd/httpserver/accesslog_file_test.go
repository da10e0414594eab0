package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// awaitFile waits until the file at name holds want lines and returns
// its content; it fails the test after the bounded wait.
func awaitFile(t *testing.T, name string, want int, log interface{ String() string }) string {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		b, _ := os.ReadFile(name)
		if strings.Count(string(b), "\n") >= want {
			return string(b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s has %q, want %d lines; stderr:\n%s", name, b, want, log)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestBinaryAccessLogFileReopenedOnSIGUSR1 plays logrotate against the
// real binary: rename the access log, send SIGUSR1, and the next request
// is logged in a new file under the old name.
func TestBinaryAccessLogFileReopenedOnSIGUSR1(t *testing.T) {
	name := filepath.Join(t.TempDir(), "access.log")
	p := start(t, []string{"HTTPSERVER_ACCESS_LOG_FILE=" + name}, "--addr", "127.0.0.1:0", "--access-log-format", "combined")
	addr := awaitAddr(t, p.addr, p)
	c := newClient(t)
	get(t, c, "http://"+addr+"/before")
	awaitFile(t, name, 1, p)
	if err := os.Rename(name, name+".1"); err != nil {
		t.Fatal(err)
	}
	p.signal(t, syscall.SIGUSR1)
	deadline := time.Now().Add(wait)
	for !strings.Contains(p.String(), `"msg":"reopened the access log"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no reopen record; stderr:\n%s", p)
		}
		time.Sleep(10 * time.Millisecond)
	}
	get(t, c, "http://"+addr+"/after")
	cur := awaitFile(t, name, 1, p)
	p.signal(t, syscall.SIGTERM)
	if code := p.wait(t); code != 0 {
		t.Errorf("exit status %d; stderr:\n%s", code, p)
	}
	old, err := os.ReadFile(name + ".1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(old), "\n") != 1 || !strings.Contains(string(old), `"GET /before HTTP/1.1" 404`) ||
		strings.Count(cur, "\n") != 1 || !strings.Contains(cur, `"GET /after HTTP/1.1" 404`) ||
		!strings.HasPrefix(cur, "127.0.0.1 - - [") {
		t.Errorf("rotated file %q, new file %q", old, cur)
	}
}

// TestBinarySIGUSR1WithoutFile: with the access log on stdout, SIGUSR1 is
// answered with a log record and does not stop the server.
func TestBinarySIGUSR1WithoutFile(t *testing.T) {
	p := start(t, nil, "--addr", "127.0.0.1:0")
	addr := awaitAddr(t, p.addr, p)
	p.signal(t, syscall.SIGUSR1)
	deadline := time.Now().Add(wait)
	for !strings.Contains(p.String(), "no file to reopen") {
		if time.Now().After(deadline) {
			t.Fatalf("no record for SIGUSR1; stderr:\n%s", p)
		}
		time.Sleep(10 * time.Millisecond)
	}
	checkEndpoints(t, addr, testVersion)
	p.signal(t, syscall.SIGTERM)
	if code := p.wait(t); code != 0 {
		t.Errorf("exit status %d; stderr:\n%s", code, p)
	}
}
