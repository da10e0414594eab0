package static

import (
	"strings"
	"testing"
)

func TestListing(t *testing.T) {
	h := newDir(t, &Options{Listing: true})
	rec := serve(t, h, "GET", "/list/")
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{
		`<a href="./%3Cscript%3E.txt">&lt;script&gt;.txt</a>`,
		`<a href="./a&amp;b.txt">a&amp;b.txt</a>`,
		`<a href="./javascript:alert%281%29">javascript:alert(1)</a>`,
		`<a href="./sp%20ace.txt">sp ace.txt</a>`,
		`<a href="./%22quote%22.txt">&#34;quote&#34;.txt</a>`,
		`<a href="./zdir/">zdir/</a>`,
		`<a href="../">../</a>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("listing lacks %s\n%s", want, body)
		}
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, ".hidden") {
		t.Errorf("listing leaks raw or hidden names:\n%s", body)
	}
	// Sorted by name.
	order := []string{"%22quote%22", "%3Cscript", "a&amp;b", "javascript", "sp%20ace", "zdir"}
	last := -1
	for _, s := range order {
		i := strings.Index(body, s)
		if i <= last {
			t.Errorf("%q out of order", s)
		}
		last = i
	}
	for k, v := range map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": "default-src 'none'",
	} {
		if got := rec.HeaderMap.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	// The title escapes the path.
	rec = serve(t, h, "GET", "/a%20b/")
	if !strings.Contains(rec.Body.String(), "Index of /a b/") || !strings.Contains(rec.Body.String(), `href="./c%25d.txt"`) {
		t.Errorf("a b listing:\n%s", rec.Body.String())
	}
	// HEAD: same header, no body.
	rec = serve(t, h, "HEAD", "/list/")
	if rec.Code != 200 || rec.Body.Len() != 0 || rec.HeaderMap.Get("Content-Length") == "" {
		t.Errorf("HEAD listing = %d len %d CL %q", rec.Code, rec.Body.Len(), rec.HeaderMap.Get("Content-Length"))
	}
	// Root listing has no parent link.
	h = newDir(t, &Options{Listing: true, Index: NoIndex})
	if body := serve(t, h, "GET", "/").Body.String(); strings.Contains(body, `href="../"`) || !strings.Contains(body, "hello.txt") {
		t.Errorf("root listing:\n%s", body)
	}
	// Off by default.
	if code := serve(t, newDir(t, nil), "GET", "/list/").Code; code != 404 {
		t.Errorf("listing off: %d", code)
	}
}

func TestListingXSSPath(t *testing.T) {
	h := newDir(t, &Options{Listing: true})
	r := request(t, "GET", "/list/")
	r.Path = "/list/<img src=x>/../"
	body := serveRequest(h, r).Body.String()
	if strings.Contains(body, "<img") {
		t.Errorf("path not escaped in title:\n%s", body)
	}
}
