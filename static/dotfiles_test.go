package static

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rawsock/httpserver"
)

// wellKnownFiles is a tree with a /.well-known/ directory beside other
// dotfiles.
var wellKnownFiles = map[string]string{
	".well-known/acme-challenge/tok-EN_1": "token.thumbprint",
	".well-known/security.txt":            "Contact: mailto:security@example.com\n",
	".well-known/.hidden":                 "hidden below .well-known",
	".well-known/sub/.git/config":         "[core]",
	".env":                                "SECRET=1",
	"a/.well-known/x.txt":                 "not at the root",
	"hello.txt":                           "hello",
}

// TestWellKnown: /.well-known/ is served while the other dotfiles stay
// hidden, by Dir and by Handler alike, unless HideWellKnown.
func TestWellKnown(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, wellKnownFiles)
	mapFS := fstest.MapFS{}
	for name, content := range wellKnownFiles {
		mapFS[name] = &fstest.MapFile{Data: []byte(content)}
	}
	tests := []struct {
		target string
		code   int // default options
		body   string
		hidden int // with HideWellKnown
	}{
		{"/.well-known/acme-challenge/tok-EN_1", 200, "token.thumbprint", 404},
		{"/.well-known/security.txt", 200, "Contact: mailto:security@example.com\n", 404},
		{"/%2ewell-known/security.txt", 200, "Contact: mailto:security@example.com\n", 404},
		{"/a/../.well-known/security.txt", 200, "Contact: mailto:security@example.com\n", 404},
		{"/.well-known", 301, "", 404},
		{"/.well-known/", 404, "", 404}, // no index, no listing
		{"/.well-known/.hidden", 404, "", 404},
		{"/.well-known/sub/.git/config", 404, "", 404},
		{"/.env", 404, "", 404},
		{"/a/.well-known/x.txt", 404, "", 404},
		{"/hello.txt", 200, "hello", 200},
	}
	handlers := []struct {
		name     string
		dflt, hw func(t *testing.T) *fileHandler
	}{
		{"Dir", func(t *testing.T) *fileHandler {
			h, _, _ := cachedDir(t, root, nil)
			return h
		}, func(t *testing.T) *fileHandler {
			h, _, _ := cachedDir(t, root, &Options{HideWellKnown: true})
			return h
		}},
		{"Handler", func(t *testing.T) *fileHandler {
			return Handler(mapFS, nil).(*fileHandler)
		}, func(t *testing.T) *fileHandler {
			return Handler(mapFS, &Options{HideWellKnown: true}).(*fileHandler)
		}},
	}
	for _, hh := range handlers {
		t.Run(hh.name, func(t *testing.T) {
			dflt, hw := hh.dflt(t), hh.hw(t)
			for round := range 2 { // misses, then cache hits
				for _, tt := range tests {
					rec := serve(t, dflt, "GET", tt.target)
					if rec.Code != tt.code || tt.body != "" && rec.Body.String() != tt.body {
						t.Errorf("round %d, GET %s: %d %q, want %d %q", round, tt.target, rec.Code, rec.Body.String(), tt.code, tt.body)
					}
					if rec := serve(t, hw, "GET", tt.target); rec.Code != tt.hidden {
						t.Errorf("round %d, HideWellKnown, GET %s: %d, want %d", round, tt.target, rec.Code, tt.hidden)
					}
				}
			}
		})
	}
}

// TestWellKnownListing: a listing of /.well-known/ hides the dotfiles in
// it, and the root's listing does not show /.well-known/ (it is served,
// not advertised).
func TestWellKnownListing(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, wellKnownFiles)
	h, _, _ := cachedDir(t, root, &Options{Listing: true, Index: NoIndex})
	rec := serve(t, h, "GET", "/.well-known/")
	if body := rec.Body.String(); rec.Code != 200 || !strings.Contains(body, "security.txt") || strings.Contains(body, ".hidden") {
		t.Errorf("/.well-known/ listing: %d %q", rec.Code, body)
	}
	rec = serve(t, h, "GET", "/")
	if body := rec.Body.String(); rec.Code != 200 || !strings.Contains(body, "hello.txt") || strings.Contains(body, ".well-known") {
		t.Errorf("root listing: %d %q", rec.Code, body)
	}
}

// TestLinkToDotfile: with dotfiles hidden, a symbolic link whose target,
// fully resolved, is hidden answers 404 like the target itself would:
// hiding is about the file, not the name it is asked by.
func TestLinkToDotfile(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "root")
	writeFiles(t, base, map[string]string{".outside-secret": secretContent, "shared/logo.txt": "logo"})
	writeFiles(t, root, map[string]string{
		".env":                     secretContent,
		".git/config":              secretContent,
		".well-known/security.txt": "Contact: x",
		".well-known/.hidden":      secretContent,
		"hello.txt":                "hello",
		"docs/readme.txt":          "readme",
		"app.js":                   "identity",
		".app.js.gz":               "GZ-SECRET",
	})
	links := map[string]string{
		"public.txt":         ".env",
		"config":             ".git/config",
		"repo":               ".git",
		"chain.txt":          "public.txt",
		"docs/up.txt":        "../.env",
		"docs/index.html":    "../.env",
		"absolute.txt":       filepath.Join(root, ".env"),
		"wk-security.txt":    ".well-known/security.txt",
		"wk-hidden.txt":      ".well-known/.hidden",
		"app.js.gz":          ".app.js.gz",
		"ok.txt":             "hello.txt",
		"okdir":              "docs",
		"outside-dot.txt":    "../.outside-secret",
		"outside-shared.txt": "../shared/logo.txt",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, filepath.FromSlash(name))); err != nil {
			t.Fatal(err)
		}
	}
	const refused = 404
	tests := []struct {
		target          string
		insideRoot, all int // status with dotfiles hidden, per policy
		hideWellKnown   int // inside-root, HideWellKnown
		shown           int // inside-root, ShowDotfiles
		gzip            bool
	}{
		{"/public.txt", refused, refused, refused, 200, false},
		{"/config", refused, refused, refused, 200, false},
		{"/repo/config", refused, refused, refused, 200, false},
		{"/chain.txt", refused, refused, refused, 200, false},
		{"/docs/up.txt", refused, refused, refused, 200, false},
		{"/docs/", refused, refused, refused, 200, false},        // its index
		{"/absolute.txt", refused, refused, refused, 404, false}, // os.Root follows no absolute link
		{"/wk-security.txt", 200, 200, refused, 200, false},
		{"/wk-hidden.txt", refused, refused, refused, 200, false},
		{"/ok.txt", 200, 200, 200, 200, false},
		{"/okdir/readme.txt", 200, 200, 200, 200, false},
		{"/outside-dot.txt", 404, refused, 404, 404, false}, // outside: refused by os.Root anyway
		{"/outside-shared.txt", 404, 200, 404, 404, false},  // below the directory it shares with the root
		{"/app.js", 200, 200, 200, 200, true},               // its .gz sibling is a link to a dotfile
	}
	for _, tt := range tests {
		for _, c := range []struct {
			name string
			opts Options
			want int
		}{
			{"inside-root", Options{}, tt.insideRoot},
			{"all", Options{FollowSymlinks: SymlinksFollowAll}, tt.all},
			{"hide-well-known", Options{HideWellKnown: true}, tt.hideWellKnown},
			{"shown", Options{ShowDotfiles: true}, tt.shown},
			{"inside-root/no cache", Options{Cache: CacheOptions{Disable: true}}, tt.insideRoot},
			{"all/metadata only", Options{FollowSymlinks: SymlinksFollowAll, Cache: CacheOptions{MaxFileSize: -1}}, tt.all},
		} {
			h := openDir(t, root, c.opts)
			var hdrs []string
			if tt.gzip {
				hdrs = []string{"Accept-Encoding", "gzip"}
			}
			for round := range 2 {
				rec := serve(t, h, "GET", tt.target, hdrs...)
				body := rec.Body.String()
				if rec.Code != c.want {
					t.Errorf("%s, round %d, GET %s: %d %q, want %d", c.name, round, tt.target, rec.Code, body, c.want)
				}
				if !c.opts.ShowDotfiles && (strings.Contains(body, secretContent) || strings.Contains(body, "GZ-SECRET")) {
					t.Errorf("%s, round %d, GET %s: served hidden content %q", c.name, round, tt.target, body)
				}
				if tt.gzip && !c.opts.ShowDotfiles && (rec.HeaderMap.Get("Vary") != "" || rec.HeaderMap.Get("Content-Encoding") != "") {
					t.Errorf("%s, GET %s: the hidden sibling shows: Vary %q Content-Encoding %q", c.name, tt.target,
						rec.HeaderMap.Get("Vary"), rec.HeaderMap.Get("Content-Encoding"))
				}
			}
		}
	}
}

// TestDotfilesOverSocket: over real connections (raw TCP and net/http), an
// ACME challenge and security.txt are served from /.well-known/, while
// the dotfiles below it, other dotfiles and links to them are not, hits
// included.
func TestDotfilesOverSocket(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, wellKnownFiles)
	if err := os.Symlink(".env", filepath.Join(root, "public.txt")); err != nil {
		t.Fatal(err)
	}
	addr := startServer(t, openDir(t, root, Options{}))
	c := newClient(t)
	for round := range 2 {
		resp, body := get(t, c, "GET", "http://"+addr+"/.well-known/acme-challenge/tok-EN_1")
		if resp.StatusCode != 200 || body != "token.thumbprint" {
			t.Errorf("round %d, ACME challenge: %d %q", round, resp.StatusCode, body)
		}
		resp, body = get(t, c, "GET", "http://"+addr+"/.well-known/security.txt")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") || !strings.HasPrefix(body, "Contact:") {
			t.Errorf("round %d, security.txt: %d %q %q", round, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		for _, target := range []string{"/.well-known/.hidden", "/.env", "/public.txt", "/%2eenv", "/.well-known/%2ehidden", "/.well-known/sub/.git/config"} {
			if code, resp := rawRequest(t, addr, target); code != 404 || strings.Contains(resp, "SECRET") || strings.Contains(resp, "hidden below") {
				t.Errorf("round %d, %s: %d %q", round, target, code, abbreviate(resp))
			}
		}
	}
}

// openDir returns a Dir handler over root, closed at the end of the test.
func openDir(t *testing.T, root string, opts Options) httpserver.Handler {
	t.Helper()
	h, err := Dir(root, &opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// TestRelToCommon: where a link target lies relative to the root.
func TestRelToCommon(t *testing.T) {
	tests := []struct{ base, target, want string }{
		{"/srv/www", "/srv/www", ""},
		{"/srv/www", "/srv/www/a/b", "a/b"},
		{"/srv/www", "/srv/shared/x", "shared/x"},
		{"/srv/.site/www", "/srv/.site/shared/x", "shared/x"},
		{"/srv/www", "/home/u/.ssh/id", "home/u/.ssh/id"},
		{"/srv/www", "/srv/wwwx/y", "wwwx/y"},
		{"/", "/etc/passwd", "etc/passwd"},
	}
	for _, tt := range tests {
		base, target := filepath.FromSlash(tt.base), filepath.FromSlash(tt.target)
		if got := filepath.ToSlash(relToCommon(base, target)); got != tt.want {
			t.Errorf("relToCommon(%q, %q) = %q, want %q", tt.base, tt.target, got, tt.want)
		}
	}
}
