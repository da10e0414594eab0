package router

import (
	"path"
	"strings"
	"testing"
)

func TestInspect(t *testing.T) {
	tests := []struct {
		raw  string
		want pathState
	}{
		{"/", pathClean},
		{"/a/b/", pathClean},
		{"/a/b.c/...", pathClean},
		{"/a%20b/%e2%82%ac", pathClean},
		{"/.well-known/x", pathClean},
		{"/a/%252e%252e", pathClean}, // decodes to "%2e%2e", not ".."
		{"//a", pathUnclean},
		{"/a//", pathUnclean},
		{"/a/./b", pathUnclean},
		{"/a/.", pathUnclean},
		{"/a/../b", pathUnclean},
		{"/..", pathUnclean},
		{"/%2e%2e/admin", pathUnclean},
		{"/%2E./admin", pathUnclean},
		{"/.%2e/admin", pathUnclean},
		{"/a/%2e", pathUnclean},
		{"/a%2fb", pathEncodedSlash},
		{"/a%2Fb/../c", pathEncodedSlash},
		{"/a%00b", pathBad},
		{"/a\x00b", pathBad},
		{"/a\nb", pathBad},
		{"/a\x7f", pathBad},
		{"/a%2", pathBad},
		{"/a%zz", pathBad},
		{"/%", pathBad},
	}
	for _, tt := range tests {
		if got := inspect(tt.raw); got != tt.want {
			t.Errorf("inspect(%q) = %d, want %d", tt.raw, got, tt.want)
		}
	}
}

func TestDots(t *testing.T) {
	for seg, want := range map[string]int{
		"": 0, ".": 1, "..": 2, "...": 0, "%2e": 1, "%2E%2e": 2, ".%2E": 2, "%2e.": 2,
		"a": 0, ".a": 0, "%2f": 0, "%2": 0, "%2e%2e%2e": 0,
	} {
		if got := dots(seg); got != want {
			t.Errorf("dots(%q) = %d, want %d", seg, got, want)
		}
	}
}

func TestCleanRaw(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"/", "/"},
		{"//", "/"},
		{"/a", "/a"},
		{"/a/", "/a/"},
		{"//a//b//", "/a/b/"},
		{"/a/./b", "/a/b"},
		{"/a/.", "/a/"},
		{"/a/b/..", "/a/"},
		{"/a/../b", "/b"},
		{"/a/b/../../c", "/c"},
		{"/..", "/"},
		{"/../../x", "/x"},
		{"/a/../../x/", "/x/"},
		{"/%2e%2e/admin", "/admin"},
		{"/a/%2E%2e/%2e/admin", "/admin"},
		{"//evil.example/x", "/evil.example/x"},
		{"/a%20b/../c%20d", "/c%20d"},
	}
	for _, tt := range tests {
		got := cleanRaw(tt.raw)
		if got != tt.want {
			t.Errorf("cleanRaw(%q) = %q, want %q", tt.raw, got, tt.want)
		}
		if inspect(got) != pathClean {
			t.Errorf("cleanRaw(%q) = %q is not clean", tt.raw, got)
		}
		// Without encoded dots, the result agrees with path.Clean up to
		// the trailing slash.
		if !strings.Contains(tt.raw, "%2") && strings.TrimSuffix(got, "/") != strings.TrimSuffix(path.Clean(tt.raw), "/") {
			t.Errorf("cleanRaw(%q) = %q disagrees with path.Clean %q", tt.raw, got, path.Clean(tt.raw))
		}
	}
}

func FuzzCleanRaw(f *testing.F) {
	for _, s := range []string{"/", "//a/../b/./c/", "/%2e%2e/x", "/a/b/.."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		raw := "/" + s
		if inspect(raw) == pathBad {
			return
		}
		c := cleanRaw(raw)
		if c[0] != '/' || strings.HasPrefix(c, "//") {
			t.Fatalf("cleanRaw(%q) = %q", raw, c)
		}
		if st := inspect(c); st != pathClean && st != pathEncodedSlash {
			t.Fatalf("cleanRaw(%q) = %q, which inspects as %d", raw, c, st)
		}
		if cleanRaw(c) != c {
			t.Fatalf("cleanRaw not idempotent on %q: %q", c, cleanRaw(c))
		}
	})
}

func TestOtherSlash(t *testing.T) {
	for in, want := range map[string]string{"/a": "/a/", "/a/": "/a", "/a/b/": "/a/b"} {
		if got := otherSlash(in); got != want {
			t.Errorf("otherSlash(%q) = %q, want %q", in, got, want)
		}
		var buf [8]byte
		if got := otherSlashBuf(in, buf[:0]); got != want {
			t.Errorf("otherSlashBuf(%q) = %q, want %q", in, got, want)
		}
	}
	long := "/" + strings.Repeat("x", 200)
	var buf [128]byte
	if got := otherSlashBuf(long, buf[:0]); got != long+"/" {
		t.Errorf("otherSlashBuf(long) = %q", got)
	}
}
