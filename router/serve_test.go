package router

import (
	"errors"
	"strings"
	"testing"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/httpservertest"
)

func apiRouter(opts ...Option) *Router {
	rt := New(opts...)
	rt.Get("/", tag("root"))
	rt.Get("/users", tag("list"))
	rt.Post("/users", tag("create"))
	rt.Get("/users/:id", tag("show"))
	rt.Put("/users/:id", tag("replace"))
	rt.Delete("/users/:id", tag("delete"))
	rt.Patch("/users/:id", tag("patch"))
	rt.Get("/users/new", tag("new"))
	rt.Get("/static/*path", tag("static"))
	rt.Get("/docs/", tag("docs"))
	rt.Get("/admin", tag("admin"))
	rt.Handle("PURGE", "/cache/:key", tag("purge"))
	rt.Get("/cache/:key", tag("cache"))
	return rt
}

func TestServe(t *testing.T) {
	rt := apiRouter()
	tests := []struct {
		method, target string
		code           int
		body           string
		header         map[string]string
	}{
		{"GET", "/", 200, "root", nil},
		{"GET", "/users", 200, "list", nil},
		{"POST", "/users", 200, "create", nil},
		{"GET", "/users/42", 200, "show id=42", nil},
		{"GET", "/users/new", 200, "new", nil},
		{"GET", "/users/a%20b", 200, "show id=a b", nil},         // decoded values
		{"GET", "/users/%C3%A9t%C3%A9", 200, "show id=été", nil}, // UTF-8
		{"GET", "/%61dmin", 200, "admin", nil},                   // %61 is 'a' (RFC 3986 §6.2.2.2)
		{"DELETE", "/users/42", 200, "delete id=42", nil},
		{"PURGE", "/cache/k", 200, "purge key=k", nil},
		{"GET", "/static/", 200, "static path=", nil},
		{"GET", "/static/css/a.css", 200, "static path=css/a.css", nil},
		{"GET", "/users?x=1", 200, "list", nil},
		{"GET", "/nope", 404, "Not Found\n", nil},
		{"GET", "/users/1/2", 404, "Not Found\n", nil},
		// 405 with every method the path has, in a stable order.
		{"POST", "/users/42", 405, "Method Not Allowed\n", map[string]string{"Allow": "GET, HEAD, PUT, PATCH, DELETE, OPTIONS"}},
		{"DELETE", "/users", 405, "", map[string]string{"Allow": "GET, HEAD, POST, OPTIONS"}},
		{"BREW", "/users", 405, "", map[string]string{"Allow": "GET, HEAD, POST, OPTIONS"}},
		{"get", "/users", 405, "", map[string]string{"Allow": "GET, HEAD, POST, OPTIONS"}}, // methods are case-sensitive
		{"DELETE", "/cache/k", 405, "", map[string]string{"Allow": "GET, HEAD, OPTIONS, PURGE"}},
		// The union over patterns: /users/new is GET only, /users/:id has more.
		{"PUT", "/users/new", 200, "replace id=new", nil},
		{"POST", "/users/new", 405, "", map[string]string{"Allow": "GET, HEAD, PUT, PATCH, DELETE, OPTIONS"}},
		// OPTIONS is answered from the same set.
		{"OPTIONS", "/users", 204, "", map[string]string{"Allow": "GET, HEAD, POST, OPTIONS"}},
		{"OPTIONS", "/nope", 404, "Not Found\n", nil},
		// Trailing slash: redirect to the form that exists, keeping the query.
		{"GET", "/users/", 308, "", map[string]string{"Location": "/users"}},
		{"GET", "/docs?q=a%20b", 308, "", map[string]string{"Location": "/docs/?q=a%20b"}},
		{"POST", "/users/", 308, "", map[string]string{"Location": "/users"}},
		{"GET", "/static", 308, "", map[string]string{"Location": "/static/"}},
		{"GET", "/%61dmin/", 308, "", map[string]string{"Location": "/%61dmin"}},
		// Cleaning: GET and HEAD are redirected to the clean path.
		{"GET", "/a/../admin", 308, "", map[string]string{"Location": "/admin"}},
		{"HEAD", "/a/../admin", 308, "", map[string]string{"Location": "/admin"}},
		{"GET", "/%2e%2e/admin", 308, "", map[string]string{"Location": "/admin"}},
		{"GET", "//admin?x=1", 308, "", map[string]string{"Location": "/admin?x=1"}},
		{"GET", "//evil.example/x", 308, "", map[string]string{"Location": "/evil.example/x"}},
		// A backslash, which browsers read as '/', is encoded: "/\\/" would leave the origin.
		{"GET", "/\\/evil.example/.", 308, "", map[string]string{"Location": "/%5C/evil.example/"}},
		{"GET", "/users/./42", 308, "", map[string]string{"Location": "/users/42"}},
		{"GET", "/static/../../etc/passwd", 308, "", map[string]string{"Location": "/etc/passwd"}},
		// ... other methods get 404.
		{"POST", "/x/../users", 404, "", nil},
		{"DELETE", "//users/1", 404, "", nil},
		// Encoded slashes never match (not even a catch-all).
		{"GET", "/users/a%2Fb", 404, "", nil},
		{"GET", "/static/..%2F..%2Fetc%2Fpasswd", 404, "", nil},
		{"GET", "/static/a%2fb", 404, "", nil},
		// The asterisk-form.
		{"OPTIONS", "*", 204, "", map[string]string{"Allow": "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, PURGE"}},
		{"GET", "*", 400, "", nil},
	}
	for _, tt := range tests {
		w := do(t, rt, tt.method, tt.target)
		code, hdr, body := w.Result()
		if code != tt.code {
			t.Errorf("%s %s: status %d, want %d (body %q)", tt.method, tt.target, code, tt.code, body)
			continue
		}
		if tt.body != "" && body != tt.body {
			t.Errorf("%s %s: body %q, want %q", tt.method, tt.target, body, tt.body)
		}
		for k, v := range tt.header {
			if got := hdr.Get(k); got != v {
				t.Errorf("%s %s: %s = %q, want %q", tt.method, tt.target, k, got, v)
			}
		}
	}
}

func TestBadPaths(t *testing.T) {
	rt := apiRouter()
	tests := []struct {
		name          string
		raw, path     string
		code          int
		handlerCalled bool
	}{
		{"encoded NUL", "/users/a%00b", "/users/a\x00b", 400, false},
		{"literal NUL", "/users/a\x00b", "/users/a\x00b", 400, false},
		{"NUL in decoded path only", "/users/x", "/users/\x00", 400, false},
		{"broken escape", "/users/%zz", "/users/%zz", 400, false},
		{"truncated escape", "/users/%4", "/users/%4", 400, false},
		{"control byte", "/users/a\rb", "/users/a\rb", 400, false},
		{"no path (authority-form)", "", "", 404, false},
		{"relative path", "users", "users", 404, false},
		{"path only, no raw", "", "/users/7", 200, true},
	}
	for _, tt := range tests {
		r := rawRequest("GET", tt.raw, tt.path)
		if tt.raw == "" {
			r.Target = "example.com:443"
		}
		w := doReq(rt, r)
		if got := status(w); got != tt.code {
			t.Errorf("%s: status %d, want %d", tt.name, got, tt.code)
		}
	}
}

func TestHead(t *testing.T) {
	rt := New()
	rt.Get("/auto", tag("get"))
	rt.Get("/explicit", tag("get"))
	rt.Head("/explicit", tag("head"))
	rt.Head("/only-head", tag("head"))
	for _, tt := range []struct{ target, body string }{
		{"/auto", "get"}, {"/explicit", "head"}, {"/only-head", "head"},
	} {
		w := do(t, rt, "HEAD", tt.target)
		if _, _, body := w.Result(); body != tt.body {
			t.Errorf("HEAD %s: ran %q, want %q", tt.target, body, tt.body)
		}
	}
	// GET is not served by a HEAD route.
	w := do(t, rt, "GET", "/only-head")
	if code, hdr, _ := w.Result(); code != 405 || hdr.Get("Allow") != "HEAD, OPTIONS" {
		t.Errorf("GET /only-head: %d Allow %q", code, hdr.Get("Allow"))
	}
}

func TestExplicitOptions(t *testing.T) {
	rt := New()
	rt.Get("/a", tag("get"))
	rt.Options("/a", tag("options"))
	if _, _, body := do(t, rt, "OPTIONS", "/a").Result(); body != "options" {
		t.Errorf("OPTIONS /a ran %q", body)
	}
	code, hdr, _ := do(t, rt, "POST", "/a").Result()
	if code != 405 || hdr.Get("Allow") != "GET, HEAD, OPTIONS" {
		t.Errorf("POST /a: %d Allow %q", code, hdr.Get("Allow"))
	}
}

func TestTrailingSlashPolicies(t *testing.T) {
	tests := []struct {
		policy TrailingSlash
		target string
		code   int
		body   string
	}{
		{MatchEitherSlash, "/users/", 200, "list"},
		{MatchEitherSlash, "/docs", 200, "docs"},
		{MatchEitherSlash, "/static", 200, "static path="},
		{MatchEitherSlash, "/users/7/", 200, "show id=7"},
		{MatchEitherSlash, "/nope/", 404, ""},
		{StrictSlash, "/users/", 404, ""},
		{StrictSlash, "/docs", 404, ""},
		{StrictSlash, "/users", 200, "list"},
	}
	for _, tt := range tests {
		rt := apiRouter(WithTrailingSlash(tt.policy))
		code, _, body := do(t, rt, "GET", tt.target).Result()
		if code != tt.code || (tt.body != "" && body != tt.body) {
			t.Errorf("policy %d GET %s: %d %q, want %d %q", tt.policy, tt.target, code, body, tt.code, tt.body)
		}
	}
	// With MatchEitherSlash, the other form's 405 is still accurate.
	rt := apiRouter(WithTrailingSlash(MatchEitherSlash))
	code, hdr, _ := do(t, rt, "DELETE", "/users/").Result()
	if code != 405 || hdr.Get("Allow") != "GET, HEAD, POST, OPTIONS" {
		t.Errorf("DELETE /users/ under MatchEitherSlash: %d Allow %q", code, hdr.Get("Allow"))
	}
}

func TestPatternAndValues(t *testing.T) {
	rt := New()
	var pattern, id, rest string
	rt.Get("/repos/:id/contents/*rest", func(w httpserver.ResponseWriter, r *httpserver.Request) {
		pattern, id, rest = r.Pattern, r.PathValue("id"), r.PathValue("rest")
	})
	do(t, rt, "GET", "/repos/x/contents/a/b%20c")
	if pattern != "/repos/:id/contents/*rest" || id != "x" || rest != "a/b c" {
		t.Errorf("pattern %q id %q rest %q", pattern, id, rest)
	}
}

// TestBraceSyntax: "{name}" and "{name...}" (chi, Go 1.22) route like
// ":name" and "*name", in groups and mounts too, and r.Pattern is the
// pattern as written.
func TestBraceSyntax(t *testing.T) {
	rt := New()
	rt.Get("/users/{id}", tag("show"))
	rt.Get("/users/new", tag("new"))
	rt.Get("/static/{path...}", tag("static"))
	rt.Group("/orgs/{org}", func(g *Router) {
		g.Get("/repos/{repo}/*rest", tag("repo"))
	})
	sub := New()
	sub.Get("/items/{item}", tag("item"))
	rt.Mount("/api/{version}", sub)
	var pattern string
	rt.Get("/p/{a}/{b...}", func(w httpserver.ResponseWriter, r *httpserver.Request) { pattern = r.Pattern })
	tests := []struct{ target, body string }{
		{"/users/42", "show id=42"},
		{"/users/new", "new"},
		{"/users/a%20b", "show id=a b"},
		{"/static/", "static path="},
		{"/static/css/a.css", "static path=css/a.css"},
		{"/orgs/go/repos/x/a/b", "repo org=go repo=x rest=a/b"},
		{"/api/v2/items/7", "item version=v2 *=items/7 item=7"},
		{"/users/%7Bid%7D", "show id={id}"}, // a literal "{id}" in the path is just a value
	}
	for _, tt := range tests {
		if code, _, body := do(t, rt, "GET", tt.target).Result(); code != 200 || body != tt.body {
			t.Errorf("GET %s: %d %q, want 200 %q", tt.target, code, body, tt.body)
		}
	}
	do(t, rt, "GET", "/p/x/y/z")
	if pattern != "/p/{a}/{b...}" {
		t.Errorf("Pattern %q, want the pattern as written", pattern)
	}
}

func TestCustomHandlers(t *testing.T) {
	rt := New()
	rt.Get("/a", tag("a"))
	rt.NotFound(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		w.WriteHeader(404)
		w.WriteString("custom 404 " + r.Path)
	}))
	rt.MethodNotAllowed(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		w.WriteHeader(405)
		w.WriteString("custom 405, allow " + w.Header().Get("Allow"))
	}))
	if code, _, body := do(t, rt, "GET", "/b").Result(); code != 404 || body != "custom 404 /b" {
		t.Errorf("404: %d %q", code, body)
	}
	if code, _, body := do(t, rt, "POST", "/a").Result(); code != 405 || body != "custom 405, allow GET, HEAD, OPTIONS" {
		t.Errorf("405: %d %q", code, body)
	}
	// Encoded slashes and unclean paths of non-GET methods use NotFound.
	if _, _, body := do(t, rt, "GET", "/a%2Fb").Result(); !strings.HasPrefix(body, "custom 404") {
		t.Errorf("encoded slash: %q", body)
	}
	if _, _, body := do(t, rt, "POST", "//a").Result(); !strings.HasPrefix(body, "custom 404") {
		t.Errorf("unclean POST: %q", body)
	}
}

// mark returns middleware that appends name to the X-Trace response field.
func mark(name string) httpserver.Middleware {
	return func(next httpserver.Handler) httpserver.Handler {
		return httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
			w.Header().Add("X-Trace", name)
			next.ServeHTTP(w, r)
		})
	}
}

func traces(w *httpservertest.ResponseRecorder) string {
	_, hdr, _ := w.Result()
	return strings.Join(hdr.Values("X-Trace"), ",")
}

func TestMiddleware(t *testing.T) {
	rt := New()
	rt.Use(mark("a"), mark("b"))
	rt.Get("/after", tag("after"))
	rt.With(mark("w")).Get("/with", tag("with"))
	rt.Group("/g", func(g *Router) {
		g.Use(mark("g"))
		g.Get("/x", tag("gx"))
		g.Get("/", tag("groot"))
		g.Group("/:id", func(g2 *Router) {
			g2.Get("/y", tag("gy"))
		})
	})
	rt.Group("", func(g *Router) {
		g.Use(mark("h"))
		g.Get("/h", tag("h"))
	})
	rt.Get("/later", tag("later"))
	rt.NotFound(httpserver.NotFoundHandler())
	tests := []struct{ target, body, trace string }{
		{"/after", "after", "a,b"},
		{"/with", "with", "a,b,w"},
		{"/g/x", "gx", "a,b,g"},
		{"/g/", "groot", "a,b,g"},
		{"/g/7/y", "gy id=7", "a,b,g"},
		{"/h", "h", "a,b,h"},
		{"/later", "later", "a,b"}, // group middleware stays in the group
		{"/missing", "Not Found\n", "a,b"},
	}
	for _, tt := range tests {
		w := do(t, rt, "GET", tt.target)
		if _, _, body := w.Result(); body != tt.body || traces(w) != tt.trace {
			t.Errorf("GET %s: body %q trace %q, want %q %q", tt.target, body, traces(w), tt.body, tt.trace)
		}
	}
}

// TestUseAfterRoutes: Use panics, naming what it would miss, once
// anything was registered through the router or a router made from it;
// it stays allowed on a fresh group or With router of a router that has
// routes, and after a failed registration.
func TestUseAfterRoutes(t *testing.T) {
	tests := []struct {
		name string
		fn   func(rt *Router)
		want string // in the panic message; "" for no panic
	}{
		{"after a route", func(rt *Router) { rt.Get("/a", tag("a")); rt.Use(mark("m")) }, `"GET /a" was registered before this Use`},
		{"after a mount", func(rt *Router) { rt.Mount("/m", tag("m")); rt.Use(mark("m")) }, `"mount /m/*"`},
		{"after NotFound", func(rt *Router) { rt.NotFound(tag("nf")); rt.Use(mark("m")) }, "the NotFound handler"},
		{"after MethodNotAllowed", func(rt *Router) { rt.MethodNotAllowed(tag("na")); rt.Use(mark("m")) }, "the MethodNotAllowed handler"},
		{"after a group's route", func(rt *Router) {
			rt.Group("/g", func(g *Router) { g.Get("/x", tag("x")) })
			rt.Use(mark("m"))
		}, `"GET /g/x"`},
		{"after a With route", func(rt *Router) { rt.With(mark("w")).Get("/w", tag("w")); rt.Use(mark("m")) }, `"GET /w"`},
		{"in a group after its route", func(rt *Router) {
			rt.Group("/g", func(g *Router) { g.Get("/x", tag("x")); g.Use(mark("m")) })
		}, `"GET /g/x"`},
		{"on a With router after its route", func(rt *Router) {
			w := rt.With(mark("w"))
			w.Get("/w", tag("w"))
			w.Use(mark("m"))
		}, `"GET /w"`},
		{"nested group", func(rt *Router) {
			rt.Group("/g", func(g *Router) {
				g.Group("/h", func(h *Router) { h.Get("/x", tag("x")) })
				g.Use(mark("m"))
			})
		}, `"GET /g/h/x"`},
		{"first use", func(rt *Router) { rt.Use(mark("m")); rt.Use(mark("n")); rt.Get("/a", tag("a")) }, ""},
		{"fresh group of a router with routes", func(rt *Router) {
			rt.Get("/a", tag("a"))
			rt.Group("/g", func(g *Router) { g.Use(mark("m")); g.Get("/x", tag("x")) })
		}, ""},
		{"fresh With of a router with routes", func(rt *Router) {
			rt.Get("/a", tag("a"))
			rt.With(mark("w")).Use(mark("m"))
		}, ""},
		{"after a failed registration", func(rt *Router) {
			if err := rt.TryHandle("GET", "/users/{id", tag("x")); err == nil {
				panic("registered")
			}
			rt.Use(mark("m"))
		}, ""},
		{"sibling group", func(rt *Router) {
			rt.Group("/g", func(g *Router) { g.Get("/x", tag("x")) })
			rt.Group("/h", func(h *Router) { h.Use(mark("m")) })
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				v := recover()
				if tt.want == "" {
					if v != nil {
						t.Fatalf("panic %v", v)
					}
					return
				}
				err, _ := v.(error)
				if !errors.Is(err, ErrUseAfterRoutes) || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "router: ") {
					t.Fatalf("panic value %v, want ErrUseAfterRoutes naming %s", v, tt.want)
				}
			}()
			tt.fn(New())
		})
	}
}

// TestMiddlewareOfDerivedRouters: a With or group router takes its
// parent's middleware as it is when a route is registered, so a Use on the
// parent after the With router was made (and before any route) is not
// skipped.
func TestMiddlewareOfDerivedRouters(t *testing.T) {
	rt := New()
	auth := rt.With(mark("w"))
	rt.Use(mark("a"))
	auth.Get("/w", tag("w"))
	auth.With(mark("v")).Get("/v", tag("v"))
	rt.Group("/g", func(g *Router) {
		g.Use(mark("g"))
		g.With(mark("x")).Get("/x", tag("x"))
	})
	tests := []struct{ target, trace string }{
		{"/w", "a,w"},
		{"/v", "a,w,v"},
		{"/g/x", "a,g,x"},
	}
	for _, tt := range tests {
		if w := do(t, rt, "GET", tt.target); traces(w) != tt.trace {
			t.Errorf("GET %s: trace %q, want %q", tt.target, traces(w), tt.trace)
		}
	}
}

func TestRoutes(t *testing.T) {
	rt := New()
	rt.Get("/a", tag("a"))
	rt.Group("/g", func(g *Router) { g.Post("/b", tag("b")) })
	rt.Mount("/m", tag("m"))
	want := []Route{{"GET", "/a"}, {"POST", "/g/b"}, {"*", "/m/*"}}
	got := rt.Routes()
	if len(got) != len(want) {
		t.Fatalf("Routes() = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Routes()[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestHandleFunc(t *testing.T) {
	rt := New()
	rt.HandleFunc("GET", "/f", tag("f"))
	if _, _, body := do(t, rt, "GET", "/f").Result(); body != "f" {
		t.Errorf("body %q", body)
	}
}
