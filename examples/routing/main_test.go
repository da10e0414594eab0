package main

import (
	"testing"

	"github.com/rawsock/httpserver/httpservertest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestRoutes(t *testing.T) {
	h := newRouter(newStore())
	tests := []struct {
		method, target string
		code           int
		body, allow    string
	}{
		{"GET", "/users/1", 200, "1 Ada\n", ""},
		{"POST", "/users?name=Grace", 201, "", ""},
		{"GET", "/users", 200, "1 Ada\n2 Grace\n", ""},
		{"PATCH", "/users/1", 405, "", "GET, HEAD, DELETE, OPTIONS"},
		{"GET", "/files/docs/a.txt", 200, "would serve file \"docs/a.txt\"\n", ""},
		{"POST", "/admin/reset", 401, "", ""},
		{"GET", "/v2/ping", 200, "pong from /v2/ping\n", ""},
	}
	for _, tt := range tests {
		w := httpservertest.NewRecorder()
		h.ServeHTTP(w, httpservertest.NewRequest(tt.method, tt.target, nil))
		code, hdr, body := w.Result()
		if code != tt.code || (tt.body != "" && body != tt.body) || hdr.Get("Allow") != tt.allow {
			t.Errorf("%s %s: %d %q Allow %q, want %d %q %q", tt.method, tt.target, code, body, hdr.Get("Allow"), tt.code, tt.body, tt.allow)
		}
	}
}
