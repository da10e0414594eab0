package interop

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/nethttp"
)

// ownStack is a handler written for httpserver with its own middleware.
func ownStack() httpserver.Handler {
	tag := func(next httpserver.Handler) httpserver.Handler {
		return httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
			w.Header().Set("X-Own-Middleware", "yes")
			next.ServeHTTP(w, r)
		})
	}
	h := httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		if r.Method == "POST" {
			body := new(strings.Builder)
			buf := make([]byte, 512)
			for {
				n, err := r.Body.Read(buf)
				body.Write(buf[:n])
				if err != nil {
					break
				}
			}
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprintf(w, "posted %q", body.String())
			return
		}
		if r.Path == "/missing" {
			httpserver.Error(w, httpserver.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "%s %s name=%s host=%s", r.Method, r.Path, r.Query().Get("name"), r.Host)
	})
	return httpserver.Chain(tag)(h)
}

func TestHandlerInsideHTTPTest(t *testing.T) {
	srv := httptest.NewServer(nethttp.Handler(ownStack()))
	defer srv.Close()
	c := newClient(t)

	res, body := get(t, c, mustRequest(t, "GET", srv.URL+"/hello?name=gopher", nil))
	want := "GET /hello name=gopher host=" + strings.TrimPrefix(srv.URL, "http://")
	if res.StatusCode != 200 || body != want || res.Header.Get("X-Own-Middleware") != "yes" {
		t.Errorf("%d %q %v, want %q", res.StatusCode, body, res.Header, want)
	}
	res, body = get(t, c, mustRequest(t, "POST", srv.URL+"/p", strings.NewReader("data")))
	if res.StatusCode != 200 || body != `posted "data"` {
		t.Errorf("POST: %d %q", res.StatusCode, body)
	}
	res, body = get(t, c, mustRequest(t, "GET", srv.URL+"/missing", nil))
	if res.StatusCode != 404 || body != "Not Found\n" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("404: %d %q %v", res.StatusCode, body, res.Header)
	}
}

// TestBothWays mounts an httpserver handler in a chi router that is itself
// served by httpserver: each bridge is crossed once in each direction.
func TestBothWays(t *testing.T) {
	r := chi.NewRouter()
	r.Mount("/own", http.StripPrefix("/own", nethttp.Handler(ownStack())))
	r.Get("/std", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("std")) })
	base := serve(t, nethttp.Wrap(r))
	c := newClient(t)
	res, body := get(t, c, mustRequest(t, "GET", base+"/own/x?name=n", nil))
	if res.StatusCode != 200 || !strings.HasPrefix(body, "GET /x name=n host=127.0.0.1:") || res.Header.Get("X-Own-Middleware") != "yes" {
		t.Errorf("%d %q %v", res.StatusCode, body, res.Header)
	}
	if _, body := get(t, c, mustRequest(t, "GET", base+"/std", nil)); body != "std" {
		t.Errorf("std: %q", body)
	}
}
