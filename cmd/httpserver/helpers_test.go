package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// wait bounds every wait in these tests; none asserts a duration.
const wait = 20 * time.Second

// logSink collects the log of an in-process run and reports the address
// announced by its "listening" record.
type logSink struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	addr  chan string
	found bool
}

func newLogSink() *logSink { return &logSink{addr: make(chan string, 1)} }

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf.Write(p)
	for line := range strings.Lines(string(p)) {
		if a := listeningAddr(line); a != "" && !s.found {
			s.found = true
			s.addr <- a
		}
	}
	return len(p), nil
}

func (s *logSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// listeningAddr returns the address of a JSON "listening" record, or "".
func listeningAddr(line string) string {
	var rec struct{ Msg, Addr string }
	if json.Unmarshal([]byte(line), &rec) != nil || rec.Msg != "listening" {
		return ""
	}
	return rec.Addr
}

// awaitAddr waits for the listening address.
func awaitAddr(t *testing.T, ch <-chan string, log fmt.Stringer) string {
	t.Helper()
	select {
	case a := <-ch:
		return a
	case <-time.After(wait):
		t.Fatalf("server did not announce its address; log:\n%s", log)
		return ""
	}
}

// newClient returns an HTTP client whose connections close with the test.
func newClient(t *testing.T) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: wait}
}

// get fetches url and returns the status, header and body.
func get(t *testing.T, c *http.Client, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", url, err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// checkEndpoints fetches /, /health and /api/echo?a=1&a=2 from a server in
// demo mode and checks their answers.
func checkEndpoints(t *testing.T, addr, version string) {
	t.Helper()
	c := newClient(t)
	base := "http://" + addr

	code, hdr, body := get(t, c, base+"/")
	if code != 200 || hdr.Get("Content-Type") != "text/html; charset=utf-8" || !strings.Contains(body, `href="/health"`) {
		t.Errorf("GET /: %d %q %.60q", code, hdr.Get("Content-Type"), body)
	}

	code, hdr, body = get(t, c, base+"/health")
	var health map[string]any
	if err := json.Unmarshal([]byte(body), &health); err != nil || code != 200 || hdr.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /health: %d %q %v", code, body, err)
	}
	if health["status"] != "ok" || health["version"] != version || len(health) != 4 {
		t.Errorf("GET /health: %v", health)
	}
	if _, ok := health["uptime_seconds"].(float64); !ok {
		t.Errorf("uptime_seconds is not a number: %v", health)
	}

	code, _, body = get(t, c, base+"/api/echo?a=1&a=2")
	var echo struct {
		Method, Target, Path, Proto, Host, Body string
		Query, Headers, Trailers                map[string][]string
		BodyLength                              int `json:"body_length"`
	}
	if err := json.Unmarshal([]byte(body), &echo); err != nil || code != 200 {
		t.Fatalf("GET /api/echo: %d %q %v", code, body, err)
	}
	if echo.Method != "GET" || echo.Target != "/api/echo?a=1&a=2" || echo.Path != "/api/echo" ||
		echo.Proto != "HTTP/1.1" || echo.Host != addr || fmt.Sprint(echo.Query["a"]) != "[1 2]" ||
		fmt.Sprint(echo.Headers["Host"]) != "["+addr+"]" {
		t.Errorf("GET /api/echo: %+v", echo)
	}
}

// startSlowEcho opens a connection with a POST /api/echo in flight: the
// handler is running and waiting for a 5-byte body. The server's 100
// Continue proves the handler has started.
func startSlowEcho(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, wait)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(wait))
	if _, err := io.WriteString(c, "POST /api/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("want 100 Continue, got %q %v", line, err)
	}
	if blank, err := br.ReadString('\n'); blank != "\r\n" || err != nil {
		t.Fatalf("after 100 Continue: %q %v", blank, err)
	}
	return c, br
}

// finishSlowEcho sends the body of the request of startSlowEcho and checks
// the complete response, which must announce the connection's close.
func finishSlowEcho(t *testing.T, c net.Conn, br *bufio.Reader) {
	t.Helper()
	if _, err := io.WriteString(c, "hello"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("in-flight request: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || !strings.Contains(string(body), `"body":"hello"`) {
		t.Errorf("in-flight request: %d %q %v", resp.StatusCode, body, err)
	}
	if !resp.Close {
		t.Errorf("response during shutdown lacks Connection: close")
	}
	c.Close() // spare the server its lingering close
}

// awaitListenerClosed waits until addr refuses connections: the server has
// begun shutting down.
func awaitListenerClosed(t *testing.T, addr string) {
	t.Helper()
	for i := 0; i < 2000; i++ {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s still accepts connections", addr)
}

// awaitClosed checks that the server closes c without a response.
func awaitClosed(t *testing.T, br *bufio.Reader) {
	t.Helper()
	if b, err := br.ReadByte(); err == nil {
		t.Errorf("read %q from a connection that should be closed", b)
	}
}
