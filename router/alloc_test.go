//go:build !race

package router

import (
	"testing"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/httpservertest"
)

func TestMatchAllocatesNothing(t *testing.T) {
	nop := httpserver.HandlerFunc(func(httpserver.ResponseWriter, *httpserver.Request) {})
	rt := New()
	for _, rte := range loadGithubRoutes(t) {
		rt.Handle(rte.Method, rte.Pattern, nop)
	}
	rt.Get("/repos/:owner/:repo/contents/*path", nop)
	sub := New()
	sub.Get("/:id", nop)
	rt.Mount("/mounted", sub)

	tests := []struct {
		name, method, target string
		check                func(*httpserver.Request) bool
	}{
		{"static", "GET", "/user/repos", func(r *httpserver.Request) bool { return r.Pattern == "/user/repos" }},
		{"param", "GET", "/repos/julienschmidt/httprouter/stargazers", func(r *httpserver.Request) bool {
			return r.PathValue("owner") == "julienschmidt" && r.PathValue("repo") == "httprouter"
		}},
		{"catch-all", "GET", "/repos/a/b/contents/dir/file.go", func(r *httpserver.Request) bool { return r.PathValue("path") == "dir/file.go" }},
		{"auto HEAD", "HEAD", "/user/repos", func(r *httpserver.Request) bool { return r.Pattern == "/user/repos" }},
		{"405", "PATCH", "/user/repos", func(*httpserver.Request) bool { return true }},
		{"OPTIONS", "OPTIONS", "/user/repos", func(*httpserver.Request) bool { return true }},
		{"404", "GET", "/repos/a/b/nothing/here", func(*httpserver.Request) bool { return true }},
		{"mounted router", "GET", "/mounted/7", func(r *httpserver.Request) bool {
			return r.Pattern == "/mounted/:id" && r.PathValue("id") == "7" && r.Path == "/mounted/7"
		}},
	}
	for _, tt := range tests {
		r := httpservertest.NewRequest(tt.method, tt.target, nil)
		w := &benchWriter{}
		rt.ServeHTTP(w, r) // warm: path value storage, caches
		if !tt.check(r) {
			t.Errorf("%s: unexpected match: pattern %q", tt.name, r.Pattern)
		}
		if n := testing.AllocsPerRun(100, func() { rt.ServeHTTP(w, r) }); n != 0 {
			t.Errorf("%s %s %s: %v allocations per request, want 0", tt.name, tt.method, tt.target, n)
		}
	}
}
