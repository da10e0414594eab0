package router

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/httpservertest"
)

// loadGithubRoutes reads testdata/github_routes.txt: the 203 routes of the
// GitHub API v3 used by julienschmidt/go-http-routing-benchmark.
func loadGithubRoutes(tb testing.TB) []Route {
	tb.Helper()
	f, err := os.Open("testdata/github_routes.txt")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var routes []Route
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		method, pattern, ok := strings.Cut(line, " ")
		if !ok {
			tb.Fatalf("bad line %q", line)
		}
		routes = append(routes, Route{method, pattern})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return routes
}

// toPath fills a pattern's parameters with sample values.
func toPath(pattern string) string {
	segs := strings.Split(pattern, "/")
	for i, s := range segs {
		if s != "" && (s[0] == ':' || s[0] == '*') {
			segs[i] = "v" + s[1:]
		}
	}
	return strings.Join(segs, "/")
}

var nopHandler = httpserver.HandlerFunc(func(httpserver.ResponseWriter, *httpserver.Request) {})

func githubRouter(tb testing.TB) (*Router, []Route) {
	routes := loadGithubRoutes(tb)
	rt := New()
	for _, r := range routes {
		rt.Handle(r.Method, r.Pattern, nopHandler)
	}
	// The catch-all routes the benchmark suite leaves out.
	rt.Get("/repos/:owner/:repo/contents/*path", nopHandler)
	return rt, routes
}

func TestGithubRoutes(t *testing.T) {
	rt, routes := githubRouter(t)
	if len(routes) != 203 {
		t.Fatalf("%d routes in testdata, want 203", len(routes))
	}
	for _, want := range routes {
		r := httpservertest.NewRequest(want.Method, toPath(want.Pattern), nil)
		r.Pattern = ""
		w := httpservertest.NewRecorder()
		rt.ServeHTTP(w, r)
		if r.Pattern != want.Pattern || status(w) != 200 {
			t.Errorf("%s %s: matched %q (status %d)", want.Method, toPath(want.Pattern), r.Pattern, status(w))
		}
		for _, seg := range strings.Split(want.Pattern, "/") {
			if strings.HasPrefix(seg, ":") && r.PathValue(seg[1:]) != "v"+seg[1:] {
				t.Errorf("%s %s: %s = %q", want.Method, want.Pattern, seg, r.PathValue(seg[1:]))
			}
		}
	}
}

func benchServe(b *testing.B, h httpserver.Handler, method, target string) {
	r := httpservertest.NewRequest(method, target, nil)
	w := &benchWriter{}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

// benchWriter is a ResponseWriter that does nothing.
type benchWriter struct{ h httpserver.Header }

func (w *benchWriter) Header() *httpserver.Header        { return &w.h }
func (w *benchWriter) WriteHeader(int)                   {}
func (w *benchWriter) Write(p []byte) (int, error)       { return len(p), nil }
func (w *benchWriter) WriteString(s string) (int, error) { return len(s), nil }
func (w *benchWriter) Flush() error                      { return nil }

func BenchmarkGithubStatic(b *testing.B) {
	rt, _ := githubRouter(b)
	benchServe(b, rt, "GET", "/user/repos")
}

func BenchmarkGithubParam(b *testing.B) {
	rt, _ := githubRouter(b)
	benchServe(b, rt, "GET", "/repos/julienschmidt/httprouter/stargazers")
}

func BenchmarkGithubCatchAll(b *testing.B) {
	rt, _ := githubRouter(b)
	benchServe(b, rt, "GET", "/repos/julienschmidt/httprouter/contents/tree/path.go")
}

func BenchmarkGithub405(b *testing.B) {
	rt, _ := githubRouter(b)
	benchServe(b, rt, "PATCH", "/user/repos")
}

func BenchmarkGithubNotFound(b *testing.B) {
	rt, _ := githubRouter(b)
	benchServe(b, rt, "GET", "/repos/julienschmidt/httprouter/nothing/here")
}

// BenchmarkGithubAll serves one request to each of the 203 routes per
// iteration.
func BenchmarkGithubAll(b *testing.B) {
	rt, routes := githubRouter(b)
	reqs := make([]*httpserver.Request, len(routes))
	for i, r := range routes {
		reqs[i] = httpservertest.NewRequest(r.Method, toPath(r.Pattern), nil)
	}
	w := &benchWriter{}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, r := range reqs {
			rt.ServeHTTP(w, r)
		}
	}
}
