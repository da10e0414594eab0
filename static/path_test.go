package static

import "testing"

func TestResolvePath(t *testing.T) {
	tests := []struct {
		in     string
		dots   bool
		name   string
		slash  bool
		status int
	}{
		{"/", false, ".", true, 0},
		{"/a.txt", false, "a.txt", false, 0},
		{"/a/b/", false, "a/b", true, 0},
		{"/a/../b", false, "b", false, 0},
		{"/../../b", false, "b", false, 0},
		{"/a/./b//c", false, "a/b/c", false, 0},
		{"/..", false, ".", false, 0},
		{"/é.txt", false, "é.txt", false, 0},
		{"", false, "", false, 400},
		{"a.txt", false, "", false, 400},
		{"/a\x00b", false, "", false, 400},
		{"/a\nb", false, "", false, 400},
		{"/a\x7fb", false, "", false, 400},
		{"/a\\..\\b", false, "", false, 400},
		{"/\xc0\xae\xc0\xae/x", false, "", false, 400},
		{"/\xff", false, "", false, 400},
		{"/C:/x", false, "", false, 400},
		{"/a/c:x", false, "", false, 400},
		{"/ab:/x", false, "ab:/x", false, 0}, // not a drive letter
		{"/1:/x", false, "1:/x", false, 0},
		{"/.env", false, "", false, 404},
		{"/a/.git/config", false, "", false, 404},
		{"/.env", true, ".env", false, 0},
		{"/.git/../a", false, "a", false, 0},
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
