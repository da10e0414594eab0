package interop

import (
	"bytes"
	"fmt"
	"log"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/rawsock/httpserver/nethttp"
)

// syncBuffer is a log destination safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestChi(t *testing.T) {
	var logs syncBuffer
	r := chi.NewRouter()
	r.Use(middleware.RequestID)
	r.Use(middleware.RequestLogger(&middleware.DefaultLogFormatter{
		Logger: log.New(&logs, "", 0), NoColor: true,
	}))
	r.Use(middleware.Recoverer)
	r.Get("/users/{id}/posts/{slug}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "user=%s slug=%s reqid=%s q=%s",
			chi.URLParam(r, "id"), chi.URLParam(r, "slug"),
			middleware.GetReqID(r.Context()), r.URL.Query().Get("q"))
	})
	r.Post("/echo", func(w http.ResponseWriter, r *http.Request) {
		var b bytes.Buffer
		b.ReadFrom(r.Body)
		w.WriteHeader(http.StatusCreated)
		w.Write(b.Bytes())
	})
	r.Get("/panic", func(w http.ResponseWriter, r *http.Request) {
		panic("handler exploded")
	})
	base := serve(t, nethttp.Wrap(r))
	c := newClient(t)

	res, body := get(t, c, mustRequest(t, "GET", base+"/users/42/posts/hello-world?q=x", nil))
	if res.StatusCode != 200 || !strings.HasPrefix(body, "user=42 slug=hello-world reqid=") || !strings.HasSuffix(body, " q=x") {
		t.Errorf("GET params: %d %q", res.StatusCode, body)
	}
	if strings.Contains(body, "reqid= ") {
		t.Errorf("middleware.RequestID did not set an id: %q", body)
	}

	req := mustRequest(t, "GET", base+"/users/7/posts/x", nil)
	req.Header.Set("X-Request-Id", "client-given-id")
	if _, body := get(t, c, req); !strings.Contains(body, "reqid=client-given-id") {
		t.Errorf("X-Request-Id not honoured: %q", body)
	}

	res, body = get(t, c, mustRequest(t, "POST", base+"/echo", strings.NewReader("ping")))
	if res.StatusCode != 201 || body != "ping" {
		t.Errorf("POST /echo: %d %q", res.StatusCode, body)
	}

	res, _ = get(t, c, mustRequest(t, "GET", base+"/nope", nil))
	if res.StatusCode != 404 {
		t.Errorf("unknown route: %d", res.StatusCode)
	}
	res, _ = get(t, c, mustRequest(t, "DELETE", base+"/echo", nil))
	if res.StatusCode != 405 {
		t.Errorf("wrong method: %d", res.StatusCode)
	}

	res, _ = get(t, c, mustRequest(t, "GET", base+"/panic", nil))
	if res.StatusCode != 500 {
		t.Errorf("Recoverer: status %d, want 500", res.StatusCode)
	}
	// The server still answers on the same client after the panic.
	if res, _ := get(t, c, mustRequest(t, "GET", base+"/users/1/posts/2", nil)); res.StatusCode != 200 {
		t.Errorf("after panic: %d", res.StatusCode)
	}

	out := logs.String()
	for _, want := range []string{`"GET http://127.0.0.1`, "/users/42/posts/hello-world?q=x HTTP/1.1", "- 200 ", "- 201 ", "- 404 ", "- 500 "} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}
