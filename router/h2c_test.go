package router

import (
	"io"
	"net/http"
	"testing"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/testutil/clients"
)

// TestH2C: the router serves HTTP/2 streams as it serves HTTP/1 requests:
// path values, the matched pattern, 405 with Allow, 404.
func TestH2C(t *testing.T) {
	rt := New()
	rt.Get("/users/:id", func(w httpserver.ResponseWriter, r *httpserver.Request) {
		w.Header().Set("X-Pattern", r.Pattern)
		w.WriteString(r.Proto + " user " + r.PathValue("id"))
	})
	rt.Post("/users/:id", tag("post"))
	addr := startServer(t, rt)
	c := clients.H2C(t)
	for _, tt := range []struct {
		method, path string
		status       int
		body, header string
	}{
		{"GET", "/users/42", 200, "HTTP/2.0 user 42", "/users/:id"},
		{"DELETE", "/users/42", 405, "", "GET, HEAD, POST, OPTIONS"},
		{"GET", "/nope", 404, "", ""},
	} {
		req, _ := http.NewRequest(tt.method, "http://"+addr+tt.path, nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.ProtoMajor != 2 || resp.StatusCode != tt.status {
			t.Fatalf("%s %s: %s %d", tt.method, tt.path, resp.Proto, resp.StatusCode)
		}
		switch tt.status {
		case 200:
			if string(b) != tt.body || resp.Header.Get("X-Pattern") != tt.header {
				t.Errorf("%s %s: %q %v", tt.method, tt.path, b, resp.Header)
			}
		case 405:
			if resp.Header.Get("Allow") != tt.header {
				t.Errorf("%s %s: Allow %q, want %q", tt.method, tt.path, resp.Header.Get("Allow"), tt.header)
			}
		}
	}
}
