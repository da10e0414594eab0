package static

import "testing"

// TestCacheKeys: a directory's index is cached under "dir/", which
// no request for a file maps to, and every path spelling of the same
// file or index shares one key without reaching what the handler refuses.
func TestCacheKeys(t *testing.T) {
	root := fixture(t)
	writeFiles(t, root, map[string]string{
		"d/index.html": "D-INDEX",
		"d.html":       "D-FILE",
		"e/index.html": "E-INDEX",
		".hid/x.txt":   "hidden",
	})
	h, _, _ := cachedDir(t, root, nil)
	steps := []struct {
		target string
		code   int
		body   string
	}{
		{"/d/", 200, "D-INDEX"},
		{"/d", 301, ""}, // the directory, not its cached index
		{"/d/index.html", 200, "D-INDEX"},
		{"/d.html", 200, "D-FILE"},
		{"/d.html/", 404, ""},
		{"/d//", 200, "D-INDEX"},
		{"/d/./", 200, "D-INDEX"},
		{"/%64/", 200, "D-INDEX"},
		{"/e/../d/", 200, "D-INDEX"},
		{"/e/", 200, "E-INDEX"},
		{"/e/..", 404, ""},
		{"/.", 404, ""},
		{"/", 200, "<!DOCTYPE html><title>home</title>\n"},
		{"/./", 200, "<!DOCTYPE html><title>home</title>\n"},
		{"/index.html", 200, "<!DOCTYPE html><title>home</title>\n"},
		{"/hello.txt", 200, "hello, world\n"},
		{"/hello.txt/", 404, ""},
		{"/HELLO.TXT", 404, ""},
		{"/.secret", 404, ""},
		{"/%2esecret", 404, ""},
		{"/sub/../.secret", 404, ""},
		{"/.hid/x.txt", 404, ""},
		{"/.git/config", 404, ""},
	}
	for round := range 2 { // misses, then hits
		for _, s := range steps {
			rec := serve(t, h, "GET", s.target)
			if rec.Code != s.code || s.code == 200 && rec.Body.String() != s.body {
				t.Errorf("round %d %s: %d %q, want %d %q", round, s.target, rec.Code, rec.Body.String(), s.code, s.body)
			}
		}
	}
	var keys []string
	h.cache.m.Range(func(k, _ any) bool {
		keys = append(keys, k.(string))
		return true
	})
	want := map[string]bool{"d/": true, "d/index.html": true, "d.html": true, "e/": true, "": true, "index.html": true, "hello.txt": true}
	if len(keys) != len(want) {
		t.Errorf("keys %q, want %d", keys, len(want))
	}
	for _, k := range keys {
		if !want[k] {
			t.Errorf("unexpected key %q", k)
		}
	}
	// With dotfiles shown, a dotfile is cached under its own name only.
	h, _, _ = cachedDir(t, root, &Options{ShowDotfiles: true})
	if rec := serve(t, h, "GET", "/.hid/x.txt"); rec.Code != 200 || rec.Body.String() != "hidden" {
		t.Errorf("shown dotfile: %d %q", rec.Code, rec.Body.String())
	}
}
