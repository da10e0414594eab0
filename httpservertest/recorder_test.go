package httpservertest

import (
	"io"
	"strings"
	"testing"

	"github.com/rawsock/httpserver"
)

func TestRecorder(t *testing.T) {
	h := httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Link", "</a.css>; rel=preload")
		w.WriteHeader(httpserver.StatusEarlyHints)
		w.Header().Set("X-Path", r.Path)
		w.WriteHeader(httpserver.StatusCreated)
		w.WriteHeader(httpserver.StatusOK) // ignored
		w.Write(b)
		w.WriteString("|" + r.Query().Get("q") + "|" + r.Host)
		httpserver.NewResponseController(w).Trailer().Set("X-T", "1")
		w.Flush()
	})
	rec := NewRecorder()
	h.ServeHTTP(rec, NewRequest("PUT", "http://example.org/a%20b?q=x+y", strings.NewReader("body")))
	code, hdr, body := rec.Result()
	if code != 201 || rec.Code != 201 || len(rec.Informational) != 1 || rec.Informational[0] != 103 {
		t.Fatalf("code %d informational %v", code, rec.Informational)
	}
	if hdr.Get("X-Path") != "/a b" || body != "body|x y|example.org" || !rec.Flushed {
		t.Fatalf("header %v body %q", hdr.Get("X-Path"), body)
	}
	if rec.Trailer().Get("X-T") != "1" {
		t.Fatal("trailer")
	}

	empty := NewRecorder()
	httpserver.HandlerFunc(func(httpserver.ResponseWriter, *httpserver.Request) {}).ServeHTTP(empty, NewRequest("GET", "/", nil))
	if code, _, body := empty.Result(); code != 200 || body != "" || empty.Code != 0 {
		t.Fatalf("empty: %d %q", code, body)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("bad target did not panic")
		}
	}()
	NewRequest("GET", "/%zz", nil)
}
