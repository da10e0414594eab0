package router

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/testserver"
)

// startServer serves rt on a loopback port until the test ends, on the
// engine CI selects (internal/testserver).
func startServer(t *testing.T, rt *Router) string {
	addr, _ := testserver.Start(t, rt)
	return addr
}

// rawGet sends one request line over a fresh connection and parses the
// answer with net/http, an independent parser.
func rawGet(t *testing.T, addr, method, target string) *http.Response {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n", method, target)
	resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
	return resp
}

func TestIntegration(t *testing.T) {
	rt := New()
	rt.Get("/users/:id", func(w httpserver.ResponseWriter, r *httpserver.Request) {
		w.Header().Set("X-Pattern", r.Pattern)
		w.WriteString("user " + r.PathValue("id"))
	})
	rt.Put("/users/:id", tag("put"))
	rt.Get("/admin", tag("admin"))
	rt.Post("/admin", tag("admin-post"))
	rt.Get("/static/*path", tag("static"))
	addr := startServer(t, rt)

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{
		Transport:     tr,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	tests := []struct {
		method, path string
		code         int
		body         string
		header       map[string]string
	}{
		{"GET", "/users/7", 200, "user 7", map[string]string{"X-Pattern": "/users/:id"}},
		{"GET", "/users/a%20b", 200, "user a b", nil},
		{"HEAD", "/users/7", 200, "", map[string]string{"X-Pattern": "/users/:id"}},
		{"POST", "/users/7", 405, "Method Not Allowed\n", map[string]string{"Allow": "GET, HEAD, PUT, OPTIONS"}},
		{"OPTIONS", "/users/7", 204, "", map[string]string{"Allow": "GET, HEAD, PUT, OPTIONS"}},
		{"GET", "/users/7/", 308, "Permanent Redirect\n", map[string]string{"Location": "/users/7"}},
		{"GET", "/static?v=1", 308, "Permanent Redirect\n", map[string]string{"Location": "/static/?v=1"}},
		{"GET", "/static/css/site.css", 200, "static path=css/site.css", nil},
		{"GET", "/nowhere", 404, "Not Found\n", nil},
	}
	for _, tt := range tests {
		req, err := http.NewRequest(tt.method, "http://"+addr+tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.method, tt.path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.code || string(body) != tt.body {
			t.Errorf("%s %s: %d %q, want %d %q", tt.method, tt.path, resp.StatusCode, body, tt.code, tt.body)
		}
		for k, v := range tt.header {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("%s %s: %s = %q, want %q", tt.method, tt.path, k, got, v)
			}
		}
	}

	// Targets sent byte for byte: traversal attempts, asterisk-form,
	// encoded slashes and NUL.
	rawTests := []struct {
		method, target string
		code           int
		location       string
	}{
		{"GET", "/a/../admin", 308, "/admin"},
		{"GET", "/%2e%2e/admin", 308, "/admin"},
		{"GET", "/%2E%2e/%2e/admin?x=1", 308, "/admin?x=1"},
		{"GET", "//admin", 308, "/admin"},
		{"GET", "//evil.example/", 308, "/evil.example/"},
		{"HEAD", "/static/../../../etc/passwd", 308, "/etc/passwd"},
		{"POST", "/a/../admin", 404, ""},
		{"POST", "//admin", 404, ""},
		{"GET", "/static/..%2f..%2fetc%2fpasswd", 404, ""},
		{"GET", "/users/a%2Fb", 404, ""},
		{"GET", "/users/a%00b", 400, ""},
		{"OPTIONS", "*", 204, ""},
	}
	for _, tt := range rawTests {
		resp := rawGet(t, addr, tt.method, tt.target)
		if resp.StatusCode != tt.code || resp.Header.Get("Location") != tt.location {
			t.Errorf("%s %s: %d Location %q, want %d %q", tt.method, tt.target, resp.StatusCode, resp.Header.Get("Location"), tt.code, tt.location)
		}
		if tt.target == "*" && resp.Header.Get("Allow") != "GET, HEAD, POST, PUT, OPTIONS" {
			t.Errorf("OPTIONS *: Allow %q", resp.Header.Get("Allow"))
		}
	}

	// The client follows a redirect from an unclean path to the handler.
	resp, err := http.Get("http://" + addr + "/users/7/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "user 7" {
		t.Errorf("followed redirect: %d %q", resp.StatusCode, body)
	}
	http.DefaultClient.CloseIdleConnections()
}
