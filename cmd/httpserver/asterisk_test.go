package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// engines lists the --engine values to run socket tests on.
var engines = []string{"goroutine", "pool", "epoll"}

// rawRoundTrip writes req on a new connection to addr and reads one
// response.
func rawRoundTrip(t *testing.T, addr, req string) *http.Response {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, wait)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(wait))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%q: %v", req, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("%q: reading body: %v", req, err)
	}
	if len(body) > 0 && resp.StatusCode == http.StatusNoContent {
		t.Errorf("%q: 204 with a body %q", req, body)
	}
	return resp
}

// TestOptionsAsterisk: "OPTIONS *" asks about the server as a whole (RFC
// 9110 §9.3.7); the binary answers 204 with Allow, in demo mode and with
// --root, on every engine.
func TestOptionsAsterisk(t *testing.T) {
	for _, engine := range engines {
		for _, tc := range []struct {
			name  string
			args  []string
			allow string
		}{
			{"demo", nil, "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"},
			{"root", []string{"--root", "testdata/public"}, "GET, HEAD, OPTIONS"},
		} {
			t.Run(engine+"/"+tc.name, func(t *testing.T) {
				args := append([]string{"--addr", "127.0.0.1:0", "--engine", engine}, tc.args...)
				addr, _, _, _ := runInProcess(t, args, nil)
				resp := rawRoundTrip(t, addr, "OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n")
				if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Allow") != tc.allow {
					t.Errorf("OPTIONS *: %d, Allow %q; want 204, %q", resp.StatusCode, resp.Header.Get("Allow"), tc.allow)
				}
				// RFC 9112 §3.2.4: the asterisk form is for OPTIONS only.
				if resp := rawRoundTrip(t, addr, "GET * HTTP/1.1\r\nHost: t\r\n\r\n"); resp.StatusCode != http.StatusBadRequest {
					t.Errorf("GET *: %d, want 400", resp.StatusCode)
				}
			})
		}
	}
}
