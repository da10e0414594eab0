package demo

import (
	"strings"
	"testing"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/httpservertest"
)

// tagged answers with its tag and the path and raw path it saw.
func tagged(tag string) httpserver.Handler {
	return httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		w.WriteString(tag + " " + r.Path + " " + r.RawPath)
	})
}

func TestDispatch(t *testing.T) {
	mounts := []Mount{
		{Prefix: "/a", Handler: tagged("a")},
		{Prefix: "/a/b", Handler: tagged("ab")},
		{Prefix: "/health", Handler: tagged("hijack")}, // config forbids it; dispatch ignores it anyway
		{Prefix: "/assets", Handler: tagged("assets")},
	}
	demoOn := Options{Version: "v9", Demo: true, Mounts: mounts}
	demoOff := Options{Version: "v9", Mounts: mounts}
	withRoot := Options{Version: "v9", Demo: true, Mounts: mounts, Root: tagged("root")}
	rootNoDemo := Options{Version: "v9", Mounts: mounts, Root: tagged("root")}
	plain := Options{Demo: true}

	cases := []struct {
		name     string
		opts     Options
		method   string
		target   string
		code     int
		body     string // prefix of the body
		location string
	}{
		{"welcome", demoOn, "GET", "/", 200, "<!doctype html>", ""},
		{"welcome head", demoOn, "HEAD", "/", 200, "<!doctype html>", ""},
		{"welcome query", demoOn, "GET", "/?x=1", 200, "<!doctype html>", ""},
		{"welcome post", demoOn, "POST", "/", 405, "Method Not Allowed", ""},
		{"welcome off", demoOff, "GET", "/", 404, "Not Found", ""},
		{"health off", demoOff, "GET", "/health", 200, `{"status":"ok","version":"v9"`, ""},
		{"health wins over mount", demoOn, "GET", "/health", 200, `{"status":"ok"`, ""},
		{"health with root", withRoot, "GET", "/health", 200, `{"status":"ok"`, ""},
		{"health slash", plain, "GET", "/health/", 404, "Not Found", ""},
		{"echo", demoOn, "GET", "/api/echo", 200, `{"method":"GET"`, ""},
		{"echo sub", demoOn, "GET", "/api/echo/x/y", 200, `{"method":"GET","target":"/api/echo/x/y"`, ""},
		{"echo lookalike", demoOn, "GET", "/api/echoes", 404, "Not Found", ""},
		{"echo off", demoOff, "GET", "/api/echo", 404, "Not Found", ""},
		{"echo off goes to root", rootNoDemo, "GET", "/api/echo", 200, "root /api/echo /api/echo", ""},
		{"echo with root", withRoot, "POST", "/api/echo", 200, `{"method":"POST"`, ""},
		{"root at /", withRoot, "GET", "/", 200, "root / /", ""},
		{"root deep", withRoot, "GET", "/x/y.html", 200, "root /x/y.html /x/y.html", ""},
		{"unknown", demoOn, "GET", "/nope", 404, "Not Found", ""},
		{"asterisk", withRoot, "OPTIONS", "*", 204, "", ""},
		{"asterisk demo off", rootNoDemo, "OPTIONS", "*", 204, "", ""},
		{"mount", demoOn, "GET", "/assets/css/site.css", 200, "assets /css/site.css /css/site.css", ""},
		{"mount dir", demoOff, "GET", "/assets/", 200, "assets / /", ""},
		{"mount redirect", demoOn, "GET", "/assets", 301, "Moved Permanently", "/assets/"},
		{"mount redirect query", demoOn, "GET", "/assets?v=2", 301, "Moved Permanently", "/assets/?v=2"},
		{"mount lookalike", withRoot, "GET", "/assetsx/y", 200, "root /assetsx/y /assetsx/y", ""},
		{"mount longest prefix", demoOn, "GET", "/a/b/c", 200, "ab /c /c", ""},
		{"mount shorter prefix", demoOn, "GET", "/a/bc", 200, "a /bc /bc", ""},
		{"mount encoded", demoOn, "GET", "/%61ssets/x%20y%2Fz", 200, "assets /x y/z /x%20y%2Fz", ""},
		{"mount encoded slash", demoOn, "GET", "/assets%2Fx", 200, "assets /x /x", ""},
		{"mount encoded slash lower", demoOn, "GET", "/assets%2fx%2f", 200, "assets /x/ /x%2f", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := httpservertest.NewRecorder()
			Handler(tc.opts).ServeHTTP(rec, httpservertest.NewRequest(tc.method, tc.target, nil))
			code, hdr, body := rec.Result()
			if code != tc.code || !strings.HasPrefix(body, tc.body) {
				t.Errorf("got %d %.80q, want %d %q…", code, body, tc.code, tc.body)
			}
			if got := hdr.Get("Location"); got != tc.location {
				t.Errorf("Location = %q, want %q", got, tc.location)
			}
			if code == 405 && hdr.Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow = %q", hdr.Get("Allow"))
			}
			if code == 204 && !strings.Contains(hdr.Get("Allow"), "GET, HEAD") {
				t.Errorf("204 with Allow = %q", hdr.Get("Allow"))
			}
		})
	}
}

func TestMountDoesNotChangeOriginal(t *testing.T) {
	r := httpservertest.NewRequest("GET", "/assets/x", nil)
	rec := httpservertest.NewRecorder()
	Handler(Options{Mounts: []Mount{{Prefix: "/assets", Handler: tagged("m")}}}).ServeHTTP(rec, r)
	if r.Path != "/assets/x" || r.RawPath != "/assets/x" {
		t.Errorf("original request changed: %q %q", r.Path, r.RawPath)
	}
	if rec.Body.String() != "m /x /x" {
		t.Errorf("body %q", rec.Body.String())
	}
}

func TestSkipDecoded(t *testing.T) {
	cases := []struct {
		raw  string
		n    int
		want string
	}{
		{"/assets/x", 7, "/x"},
		{"/%61ssets/x", 7, "/x"},
		{"/a%2Fb", 3, "b"},
		{"/a", 5, ""},
		{"/a%2", 3, "2"},
	}
	for _, tc := range cases {
		if got := skipDecoded(tc.raw, tc.n); got != tc.want {
			t.Errorf("skipDecoded(%q, %d) = %q, want %q", tc.raw, tc.n, got, tc.want)
		}
	}
}

func TestWelcomeEscapesVersion(t *testing.T) {
	page := string(welcomePage(`<b>&"`, ""))
	if !strings.Contains(page, "httpserver &lt;b&gt;&amp;&#34;") {
		t.Errorf("version not escaped in page")
	}
	if strings.Contains(page, "{{") {
		t.Errorf("placeholder left in page")
	}
	if !strings.Contains(page, "'http://localhost:8080/api/echo?") {
		t.Errorf("curl example without an address lacks the default")
	}
	if page := string(welcomePage("v1", "[::1]:9000")); !strings.Contains(page, "'http://[::1]:9000/api/echo?a=1&amp;a=2'") {
		t.Errorf("curl example lacks the address:\n%s", page)
	}
	for _, link := range []string{`href="/health"`, `href="/api/echo`} {
		if !strings.Contains(page, link) {
			t.Errorf("page lacks %s", link)
		}
	}
}

// TestDispatchPattern checks the route pattern left for logs and metrics:
// one per endpoint or mount, never the raw path, empty when nothing took
// the request.
func TestDispatchPattern(t *testing.T) {
	opts := Options{Demo: true, Mounts: []Mount{{Prefix: "/assets", Handler: tagged("m")}}}
	withRoot := opts
	withRoot.Root = tagged("root")
	cases := []struct {
		opts         Options
		target, want string
	}{
		{opts, "/health", "/health"},
		{opts, "/api/echo/x/y", "/api/echo/*"},
		{opts, "/assets/css/a.css", "/assets/*"},
		{opts, "/assets", "/assets/*"},
		{opts, "/", "/"},
		{opts, "/nope", ""},
		{opts, "*", ""}, // GET *: the core refuses it, dispatch takes it nowhere
		{withRoot, "/deep/page.html", "/*"},
	}
	for _, tc := range cases {
		r := httpservertest.NewRequest("GET", tc.target, nil)
		Handler(tc.opts).ServeHTTP(httpservertest.NewRecorder(), r)
		if r.Pattern != tc.want {
			t.Errorf("%s: Pattern = %q, want %q", tc.target, r.Pattern, tc.want)
		}
	}
}
