package router

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// lookup finds a GET route in a router's tree and returns its pattern and
// parameters as "k=v" pairs, or "" when nothing matches.
func lookup(rt *Router, path string) (string, []string) {
	var ps params
	ep := rt.c.root.find(path, mGET, &ps)
	if ep == nil {
		return "", nil
	}
	var kv []string
	for i, name := range ep.paramNames {
		kv = append(kv, name+"="+ps.v[i])
	}
	return ep.pattern, kv
}

func TestTreeLookup(t *testing.T) {
	rt := New()
	for _, p := range []string{
		"/", "/cmd/:tool/:sub", "/cmd/:tool/", "/src/*filepath", "/search/",
		"/search/:query", "/user_:name", "/users/new", "/users/:id",
		"/users/:id/edit", "/info/:user/public", "/info/:user/project/:project",
		"/a/b/c", "/a/bb", "/α/β", "/doc/go1.html", "/doc/", "/d",
		"/files/:dir/*rest", "/v1:batch",
	} {
		rt.Get(p, tag(p))
	}
	tests := []struct {
		path, pattern string
		params        []string
	}{
		{"/", "/", nil},
		{"/cmd/test/", "/cmd/:tool/", []string{"tool=test"}},
		{"/cmd/test", "", nil},
		{"/cmd/test/3", "/cmd/:tool/:sub", []string{"tool=test", "sub=3"}},
		{"/cmd/test/3/", "", nil},
		{"/src/", "/src/*filepath", []string{"filepath="}},
		{"/src/some/file.png", "/src/*filepath", []string{"filepath=some/file.png"}},
		{"/src", "", nil},
		{"/search/", "/search/", nil},
		{"/search/someth!ng+in+ünìcodé", "/search/:query", []string{"query=someth!ng+in+ünìcodé"}},
		{"/search/a/", "", nil},
		{"/users/new", "/users/new", nil},
		{"/users/7", "/users/:id", []string{"id=7"}},
		{"/users/new/edit", "/users/:id/edit", []string{"id=new"}},
		{"/users/7/edit", "/users/:id/edit", []string{"id=7"}},
		{"/users/", "", nil},
		{"/user_gopher", "", nil},
		{"/user_:name", "/user_:name", nil},
		{"/info/gordon/public", "/info/:user/public", []string{"user=gordon"}},
		{"/info/gordon/project/go", "/info/:user/project/:project", []string{"user=gordon", "project=go"}},
		{"/a/b/c", "/a/b/c", nil},
		{"/a/bb", "/a/bb", nil},
		{"/a/b", "", nil},
		{"/a/bbb", "", nil},
		{"/α/β", "/α/β", nil},
		{"/α/γ", "", nil},
		{"/doc/", "/doc/", nil},
		{"/doc/go1.html", "/doc/go1.html", nil},
		{"/doc/go1", "", nil},
		{"/d", "/d", nil},
		{"/files/x/", "/files/:dir/*rest", []string{"dir=x", "rest="}},
		{"/files/x/y/z", "/files/:dir/*rest", []string{"dir=x", "rest=y/z"}},
		{"/files/x", "", nil},
		{"/v1:batch", "/v1:batch", nil},
		{"/nothing", "", nil},
	}
	for _, tt := range tests {
		pattern, kv := lookup(rt, tt.path)
		if pattern != tt.pattern || !reflect.DeepEqual(kv, tt.params) {
			t.Errorf("lookup(%q) = %q %v, want %q %v", tt.path, pattern, kv, tt.pattern, tt.params)
		}
	}
}

func TestTreePriorities(t *testing.T) {
	rt := New()
	rt.Get("/*all", tag("catch"))
	rt.Get("/a/:id", tag("param"))
	rt.Get("/a/new", tag("static"))
	rt.Get("/b/:id/x", tag("param-x"))
	rt.Post("/b/new/x", tag("static-post"))
	tests := []struct{ path, pattern string }{
		{"/a/new", "/a/new"},     // static over param
		{"/a/7", "/a/:id"},       // param over catch-all
		{"/a/7/8", "/*all"},      // backtracks to the catch-all
		{"/a/", "/*all"},         // a parameter is never empty
		{"/", "/*all"},           // a catch-all may be empty
		{"/b/new/x", "/b/:id/x"}, // no GET on the static route: the parameter route serves GET
	}
	for _, tt := range tests {
		if pattern, _ := lookup(rt, tt.path); pattern != tt.pattern {
			t.Errorf("lookup(%q) = %q, want %q", tt.path, pattern, tt.pattern)
		}
	}
}

func TestTreeSplitKeepsChildren(t *testing.T) {
	// Insert long paths first, so that later ones split nodes that already
	// carry parameter and catch-all children.
	rt := New()
	rt.Get("/users/:id", tag("a"))
	rt.Get("/usersettings/*rest", tag("b"))
	rt.Get("/u", tag("c"))
	rt.Get("/use", tag("d"))
	for path, want := range map[string]string{
		"/users/1": "/users/:id", "/usersettings/x/y": "/usersettings/*rest",
		"/u": "/u", "/use": "/use", "/us": "",
	} {
		if got, _ := lookup(rt, path); got != want {
			t.Errorf("lookup(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestConflicts(t *testing.T) {
	tests := []struct {
		name     string
		existing []string // "METHOD pattern"
		add      string
		sentinel error
		want     []string // substrings of the message
	}{
		{"duplicate", []string{"GET /a"}, "GET /a", ErrConflict, []string{`"GET /a" and "GET /a"`, "twice"}},
		{"duplicate param route", []string{"GET /users/:id", "POST /users/:id"}, "POST /users/:id", ErrConflict, []string{`"POST /users/:id"`, "twice"}},
		{"param names", []string{"GET /users/:id"}, "GET /users/:name", ErrConflict, []string{`"GET /users/:name" and "GET /users/:id"`, "never be told apart"}},
		{"param names other method", []string{"GET /users/:id/posts"}, "DELETE /users/:name", ErrConflict, []string{`"DELETE /users/:name" and "GET /users/:id/posts"`}},
		{"param then catch-all", []string{"GET /files/:name"}, "GET /files/*path", ErrConflict, []string{`"GET /files/*path" and "GET /files/:name"`, "catch-all and a parameter"}},
		{"catch-all then param", []string{"GET /files/*path"}, "GET /files/:name", ErrConflict, []string{`"GET /files/:name" and "GET /files/*path"`, "parameter and a catch-all"}},
		{"catch-all names", []string{"GET /files/*path"}, "PUT /files/*rest", ErrConflict, []string{`"PUT /files/*rest" and "GET /files/*path"`}},
		{"catch-all not last", nil, "GET /files/*path/x", ErrInvalidPattern, []string{`"/files/*path/x"`, "last segment"}},
		{"empty name", nil, "GET /users/:", ErrInvalidPattern, []string{"empty parameter name"}},
		{"no leading slash", nil, "GET users", ErrInvalidPattern, []string{"must start with '/'"}},
		{"bad method", nil, "G(T /a", ErrInvalidMethod, []string{`"G(T"`}},
		{"empty method", nil, " /a", ErrInvalidMethod, nil},
		{"route on a mount", []string{"MOUNT /api"}, "GET /api", ErrConflict, []string{`"GET /api" and "mount /api/*"`}},
		{"catch-all on a mount", []string{"MOUNT /api"}, "GET /api/*rest", ErrConflict, []string{`"GET /api/*rest" and "mount /api/*"`}},
		{"mount on a route", []string{"GET /api"}, "MOUNT /api", ErrConflict, []string{`"mount /api/*" and "GET /api"`}},
		{"mount on a catch-all", []string{"GET /api/*rest"}, "MOUNT /api", ErrConflict, []string{`"mount /api/*" and "GET /api/*rest"`}},
		{"mount twice", []string{"MOUNT /api"}, "MOUNT /api/", ErrConflict, []string{`"mount /api/*"`}},
		{"mount with catch-all", nil, "MOUNT /api/*x", ErrInvalidPattern, []string{"catch-all"}},
		{"mount unclean", nil, "MOUNT /a//b", ErrInvalidPattern, nil},
		// Brace and colon forms are the same routes.
		{"brace then colon", []string{"GET /users/{id}"}, "GET /users/:id", ErrConflict, []string{`"GET /users/:id" and "GET /users/{id}"`, "twice"}},
		{"colon then brace", []string{"GET /users/:id"}, "GET /users/{id}", ErrConflict, []string{`"GET /users/{id}" and "GET /users/:id"`, "twice"}},
		{"brace names", []string{"GET /users/{id}"}, "GET /users/:name", ErrConflict, []string{"never be told apart"}},
		{"brace catch-all names", []string{"GET /files/{path...}"}, "GET /files/*rest", ErrConflict, []string{`"GET /files/*rest" and "GET /files/{path...}"`}},
		{"brace catch-all then param", []string{"GET /files/{path...}"}, "GET /files/{name}", ErrConflict, []string{"parameter and a catch-all"}},
		{"brace catch-all twice", []string{"GET /files/{path...}"}, "GET /files/*path", ErrConflict, []string{"twice"}},
		{"brace mid-segment", nil, "GET /users/{id}.json", ErrInvalidPattern, []string{`"/users/{id}.json"`, "whole segment"}},
		{"unclosed brace", nil, "GET /users/{id", ErrInvalidPattern, []string{`"/users/{id"`}},
		{"empty braces", nil, "GET /users/{}", ErrInvalidPattern, []string{"empty parameter name"}},
		{"brace catch-all not last", nil, "GET /files/{path...}/x", ErrInvalidPattern, []string{"last segment"}},
		{"mount with brace catch-all", nil, "MOUNT /api/{x...}", ErrInvalidPattern, []string{"catch-all"}},
	}
	register := func(rt *Router, route string) error {
		method, pattern, _ := strings.Cut(route, " ")
		if method == "MOUNT" {
			return rt.TryMount(pattern, tag("mounted"))
		}
		return rt.TryHandle(method, pattern, tag(route))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := New()
			for _, r := range tt.existing {
				if err := register(rt, r); err != nil {
					t.Fatalf("setup %q: %v", r, err)
				}
			}
			before := rt.Routes()
			err := register(rt, tt.add)
			if !errors.Is(err, tt.sentinel) {
				t.Fatalf("error = %v, want %v", err, tt.sentinel)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if !strings.HasPrefix(err.Error(), "router: ") {
				t.Errorf("error %q lacks the router: prefix", err)
			}
			if after := rt.Routes(); !reflect.DeepEqual(before, after) {
				t.Errorf("failed registration changed routes: %v -> %v", before, after)
			}
		})
	}
}

func TestHandlePanics(t *testing.T) {
	rt := New()
	rt.Get("/users/:id", tag("a"))
	defer func() {
		err, ok := recover().(error)
		if !ok || !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "GET /users/:id") || !strings.Contains(err.Error(), "GET /users/:name") {
			t.Fatalf("panic value = %v, want a conflict naming both routes", err)
		}
	}()
	rt.Get("/users/:name", tag("b"))
}

func TestPanicsOnBadInput(t *testing.T) {
	rt := New()
	for name, fn := range map[string]func(){
		"nil handler":      func() { rt.Handle("GET", "/a", nil) },
		"nil mount":        func() { rt.Mount("/a", nil) },
		"mount itself":     func() { rt.Mount("/a", rt) },
		"group no slash":   func() { rt.Group("api", func(*Router) {}) },
		"group trailing /": func() { rt.Group("/api/", func(*Router) {}) },
		"unclosed brace":   func() { rt.Get("/users/{id", tag("x")) },
		"group brace":      func() { rt.Group("/orgs/{org", func(*Router) {}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			fn()
		}()
	}
	if got := rt.Routes(); len(got) != 0 {
		t.Errorf("routes after failures = %v", got)
	}
}

func TestTooManyMethods(t *testing.T) {
	rt := New()
	var err error
	for i := 0; i < maxMethods && err == nil; i++ {
		err = rt.TryHandle("M"+strings.Repeat("X", i), "/a", tag("x"))
	}
	if !errors.Is(err, ErrInvalidMethod) {
		t.Fatalf("error after %d methods = %v, want ErrInvalidMethod", maxMethods, err)
	}
	if len(rt.c.custom) != maxMethods-numStdMethods {
		t.Errorf("custom methods = %d, want %d", len(rt.c.custom), maxMethods-numStdMethods)
	}
}
