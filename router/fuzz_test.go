package router

import (
	"github.com/rawsock/httpserver/internal/syntax"
	"net/url"
	"strings"
	"testing"

	"github.com/rawsock/httpserver"
)

// fuzzRoutes are the routes of FuzzRoutePath: literals, parameters,
// catch-alls and a mount, so that every kind of tree node is matched.
var fuzzRoutes = []string{
	"/", "/users", "/users/{id}", "/users/{id}/posts/{post}", "/users/me",
	"/files/{path...}", "/a/b/c/", "/v1/:x/y", "/static/*rest",
}

// FuzzRoutePath serves arbitrary request paths through a router and checks
// what a client may rely on: no panic, a status among those the router
// answers, a parameter never holding a '/', a catch-all never escaping
// its prefix, and a redirect that stays on this origin (a Location of
// "//host" would be an open redirect). Seeds live in
// testdata/fuzz/FuzzRoutePath.
func FuzzRoutePath(f *testing.F) {
	for _, s := range []string{"/", "/users/42", "/users/42/posts/7", "/files/a/../b", "//evil.example/", "/users/%2F", "/a/b/c", "/v1/%2e%2e/y", "/static/", "/users/42/"} {
		f.Add("GET", s)
	}
	f.Add("POST", "/users/me")
	rt := New(WithTrailingSlash(RedirectTrailingSlash))
	for _, p := range fuzzRoutes {
		rt.Get(p, tag(p))
	}
	rt.Post("/users/{id}", tag("/users/{id}"))
	f.Fuzz(func(t *testing.T, method, raw string) {
		if !strings.HasPrefix(raw, "/") || !syntax.ValidMethod(method) {
			return
		}
		// The server hands routers a decoded path next to the raw one;
		// a target the server would refuse never reaches them.
		path, err := url.PathUnescape(raw)
		if err != nil || strings.ContainsAny(raw, " ?#\x00") || strings.ContainsFunc(raw, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
			return
		}
		r := rawRequest(method, raw, path)
		w := doReq(rt, r)
		switch w.Code {
		case httpserver.StatusOK:
			for k, v := range r.PathValues() {
				if k == "path" || k == "rest" {
					continue
				}
				if v == "" || strings.Contains(v, "/") {
					t.Fatalf("%s %q: parameter %s=%q", method, raw, k, v)
				}
			}
			if name, _, _ := strings.Cut(w.Body.String(), " "); name != r.Pattern {
				t.Fatalf("%s %q: pattern %q but body %q", method, raw, r.Pattern, w.Body.String())
			}
		case httpserver.StatusMovedPermanently, httpserver.StatusPermanentRedirect:
			loc := w.Header().Get("Location")
			if !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, "/\\") {
				t.Fatalf("%s %q: redirect to %q leaves the origin", method, raw, loc)
			}
		case httpserver.StatusNotFound, httpserver.StatusMethodNotAllowed, httpserver.StatusBadRequest:
		default:
			t.Fatalf("%s %q: status %d", method, raw, w.Code)
		}
	})
}
