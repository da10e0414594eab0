package router

import (
	"testing"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/httpservertest"
)

// echoPaths writes what a mounted handler sees.
func echoPaths(w httpserver.ResponseWriter, r *httpserver.Request) {
	w.WriteString(r.Path + " " + r.RawPath + " " + r.Pattern + " *=" + r.PathValue("*") + " tenant=" + r.PathValue("tenant"))
}

func TestMountHandler(t *testing.T) {
	rt := New()
	rt.Mount("/files", httpserver.HandlerFunc(echoPaths))
	rt.Mount("/t/:tenant/", httpserver.HandlerFunc(echoPaths))
	rt.Get("/files/special", tag("special"))
	tests := []struct{ method, target, body string }{
		{"GET", "/files", "/ / /files *= tenant="},
		{"GET", "/files/", "/ / /files/* *= tenant="},
		{"GET", "/files/a/b%20c/", "/a/b c/ /a/b%20c/ /files/* *=a/b c/ tenant="},
		{"DELETE", "/files/x", "/x /x /files/* *=x tenant="},
		{"GET", "/files/special", "special"},
		{"POST", "/files/special", "/special /special /files/* *=special tenant="}, // the mount takes other methods
		{"GET", "/t/acme/x", "/x /x /t/:tenant/* *=x tenant=acme"},
		{"GET", "/t/acme", "/ / /t/:tenant *= tenant=acme"},
	}
	for _, tt := range tests {
		r := httpservertest.NewRequest(tt.method, tt.target, nil)
		path, raw := r.Path, r.RawPath
		_, _, body := doReq(rt, r).Result()
		if body != tt.body {
			t.Errorf("%s %s: %q, want %q", tt.method, tt.target, body, tt.body)
		}
		if r.Path != path || r.RawPath != raw {
			t.Errorf("%s %s: paths not restored: %q %q", tt.method, tt.target, r.Path, r.RawPath)
		}
	}
}

func TestMountRouter(t *testing.T) {
	users := New()
	users.Get("/", tag("index"))
	users.Get("/:id", func(w httpserver.ResponseWriter, r *httpserver.Request) {
		w.WriteString(r.Pattern + " id=" + r.PathValue("id") + " path=" + r.Path)
	})
	users.Get("/:id/posts/", tag("posts"))
	v1 := New()
	v1.Use(mark("v1"))
	v1.Mount("/users", users)
	root := New()
	root.Use(mark("root"))
	root.Mount("/api/v1", v1)

	tests := []struct {
		method, target string
		code           int
		body, location string
	}{
		{"GET", "/api/v1/users/7", 200, "/api/v1/users/:id id=7 path=/7", ""},
		{"GET", "/api/v1/users/", 200, "index *=", ""},
		{"GET", "/api/v1/users", 200, "index *=", ""},
		{"GET", "/api/v1/users/7/posts", 308, "", "/api/v1/users/7/posts/"},
		{"GET", "/api/v1/users/7/posts?page=2", 308, "", "/api/v1/users/7/posts/?page=2"},
		{"GET", "http://example.com/api/v1/users/7/posts", 308, "", "/api/v1/users/7/posts/"},
		{"GET", "/api/v1/users/7/x", 404, "", ""},
		{"POST", "/api/v1/users/7", 405, "", ""},
		{"GET", "/api/v1/nothing", 404, "", ""},
	}
	for _, tt := range tests {
		w := do(t, root, tt.method, tt.target)
		code, hdr, body := w.Result()
		if code != tt.code || (tt.body != "" && body != tt.body) || hdr.Get("Location") != tt.location {
			t.Errorf("%s %s: %d %q Location %q, want %d %q %q", tt.method, tt.target, code, body, hdr.Get("Location"), tt.code, tt.body, tt.location)
		}
	}
	if tr := traces(do(t, root, "GET", "/api/v1/users/7")); tr != "root,v1" {
		t.Errorf("middleware trace %q, want root,v1", tr)
	}
	// The joined patterns are cached: the same string comes back.
	r1 := httpservertest.NewRequest("GET", "/api/v1/users/1", nil)
	r2 := httpservertest.NewRequest("GET", "/api/v1/users/2", nil)
	doReq(root, r1)
	doReq(root, r2)
	if r1.Pattern != "/api/v1/users/:id" || r1.Pattern != r2.Pattern {
		t.Errorf("patterns %q %q", r1.Pattern, r2.Pattern)
	}
}

func TestMountRoot(t *testing.T) {
	rt := New()
	rt.Get("/health", tag("health"))
	rt.Mount("/", httpserver.HandlerFunc(echoPaths))
	if _, _, body := do(t, rt, "GET", "/health").Result(); body != "health" {
		t.Errorf("GET /health: %q", body)
	}
	if _, _, body := do(t, rt, "PUT", "/x/y").Result(); body != "/x/y /x/y /* *=x/y tenant=" {
		t.Errorf("PUT /x/y: %q", body)
	}
}

func TestMountMatchEitherSlash(t *testing.T) {
	// The catch-all value comes from the other form of the path, which is
	// not a suffix of r.Path; the mount still strips correctly.
	rt := New(WithTrailingSlash(MatchEitherSlash))
	rt.Mount("/m", httpserver.HandlerFunc(echoPaths))
	rt.Get("/m/a/", tag("a/"))
	if _, _, body := do(t, rt, "GET", "/m/a").Result(); body != "/a /a /m/* *=a tenant=" {
		t.Errorf("GET /m/a: %q", body)
	}
}

func TestRawSuffix(t *testing.T) {
	for _, tt := range []struct{ raw, sub, want string }{
		{"/api/a%20b/c", "/a b/c", "/a%20b/c"},
		{"/api/", "/", "/"},
		{"/api/x/", "/x/", "/x/"},
		{"/x", "/a/b", "/a/b"}, // inconsistent input: fall back to the decoded path
	} {
		if got := rawSuffix(tt.raw, tt.sub); got != tt.want {
			t.Errorf("rawSuffix(%q, %q) = %q, want %q", tt.raw, tt.sub, got, tt.want)
		}
	}
}

func TestJoinPatternCacheBound(t *testing.T) {
	c := New().c
	ep := &endpoint{pattern: "/x"}
	for i := 0; i < maxPatCache+10; i++ {
		if got := c.joinPattern("/p"+string(rune('a'+i%26))+string(rune(i)), ep); got[len(got)-2:] != "/x" {
			t.Fatalf("joinPattern = %q", got)
		}
	}
	if n := len(*c.patCache.Load()); n != maxPatCache {
		t.Errorf("cache size %d, want %d", n, maxPatCache)
	}
}
