package static

import "testing"

func TestResolvePath(t *testing.T) {
	hide := dotfiles{wellKnown: true} // the default
	strict := dotfiles{}              // HideWellKnown
	show := dotfiles{show: true}
	tests := []struct {
		in     string
		dots   dotfiles
		name   string
		slash  bool
		status int
	}{
		{"/", hide, ".", true, 0},
		{"/a.txt", hide, "a.txt", false, 0},
		{"/a/b/", hide, "a/b", true, 0},
		{"/a/../b", hide, "b", false, 0},
		{"/../../b", hide, "b", false, 0},
		{"/a/./b//c", hide, "a/b/c", false, 0},
		{"/..", hide, ".", false, 0},
		{"/é.txt", hide, "é.txt", false, 0},
		{"", hide, "", false, 400},
		{"a.txt", hide, "", false, 400},
		{"/a\x00b", hide, "", false, 400},
		{"/a\nb", hide, "", false, 400},
		{"/a\x7fb", hide, "", false, 400},
		{"/a\\..\\b", hide, "", false, 400},
		{"/\xc0\xae\xc0\xae/x", hide, "", false, 400},
		{"/\xff", hide, "", false, 400},
		{"/C:/x", hide, "", false, 400},
		{"/a/c:x", hide, "", false, 400},
		{"/ab:/x", hide, "ab:/x", false, 0}, // not a drive letter
		{"/1:/x", hide, "1:/x", false, 0},
		{"/.env", hide, "", false, 404},
		{"/a/.git/config", hide, "", false, 404},
		{"/.env", show, ".env", false, 0},
		{"/.git/../a", hide, "a", false, 0},
		// RFC 8615: /.well-known/ is served unless HideWellKnown, the
		// dotfiles below it are not, nor a .well-known deeper down.
		{"/.well-known/acme-challenge/tok-EN_1", hide, ".well-known/acme-challenge/tok-EN_1", false, 0},
		{"/.well-known/security.txt", hide, ".well-known/security.txt", false, 0},
		{"/.well-known/", hide, ".well-known", true, 0},
		{"/.well-known", hide, ".well-known", false, 0},
		{"/.well-known/.hidden", hide, "", false, 404},
		{"/.well-known/a/.git/config", hide, "", false, 404},
		{"/a/.well-known/x", hide, "", false, 404},
		{"/.well-knownx/x", hide, "", false, 404},
		{"/.WELL-KNOWN/x", hide, "", false, 404},
		{"/.well-known/security.txt", strict, "", false, 404},
		{"/.well-known/.hidden", show, ".well-known/.hidden", false, 0},
	}
	for _, tt := range tests {
		name, slash, status := resolvePath(tt.in, tt.dots)
		if name != tt.name || slash != tt.slash || status != tt.status {
			t.Errorf("resolvePath(%q, %v) = %q, %v, %d; want %q, %v, %d",
				tt.in, tt.dots, name, slash, status, tt.name, tt.slash, tt.status)
		}
	}
}

func TestRedirectToSlash(t *testing.T) {
	h := newDir(t, nil)
	tests := []struct {
		rawPath, path, query string
		code                 int
		location             string
	}{
		{"/sub", "/sub", "", 301, "./sub/"},
		{"/sub", "/sub", "a=%2F&b", 301, "./sub/?a=%2F&b"},
		{"/%73ub", "/sub", "", 301, "./%73ub/"},
		{"/a%20b", "/a b", "", 301, "./a%20b/"},
		{"", "/a b", "", 301, "./a%20b/"}, // no RawPath: escape the decoded one
		{"//sub", "//sub", "", 301, "./sub/"},
		{"/sub/.", "/sub/.", "", 404, ""},
		{"/sub/%2e%2e", "/sub/..", "", 404, ""},
	}
	for _, tt := range tests {
		r := request(t, "GET", "/")
		r.RawPath, r.Path, r.RawQuery = tt.rawPath, tt.path, tt.query
		rec := serveRequest(h, r)
		if rec.Code != tt.code || rec.HeaderMap.Get("Location") != tt.location {
			t.Errorf("%q: %d Location %q; want %d %q", tt.rawPath, rec.Code, rec.HeaderMap.Get("Location"), tt.code, tt.location)
		}
	}
}
