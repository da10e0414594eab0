package static

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/httpservertest"
)

func TestServeBasics(t *testing.T) {
	h := newDir(t, nil)
	tests := []struct {
		method, target string
		code           int
		body           string // checked when not empty
		header         map[string]string
	}{
		{"GET", "/hello.txt", 200, "hello, world\n", map[string]string{
			"Content-Type": "text/plain; charset=utf-8", "Content-Length": "13",
			"X-Content-Type-Options": "nosniff", "Accept-Ranges": "bytes"}},
		{"HEAD", "/hello.txt", 200, "", map[string]string{"Content-Length": "13"}},
		{"GET", "/", 200, "<!DOCTYPE html><title>home</title>\n", map[string]string{"Content-Type": "text/html; charset=utf-8"}},
		{"GET", "/index.html", 200, "<!DOCTYPE html><title>home</title>\n", nil},
		{"GET", "/sub/", 200, "<p>sub index</p>", nil},
		{"GET", "/sub", 301, "", map[string]string{"Location": "./sub/"}},
		{"GET", "/sub?x=1&y=%20", 301, "", map[string]string{"Location": "./sub/?x=1&y=%20"}},
		{"GET", "/a%20b", 301, "", map[string]string{"Location": "./a%20b/"}},
		{"GET", "/a%20b/c%25d.txt", 200, "encoded names", nil},
		{"GET", "/empty/", 404, "", nil},
		{"GET", "/nope.txt", 404, "", nil},
		{"GET", "/hello.txt/", 404, "", nil},
		{"GET", "/sub/..", 404, "", nil},
		{"GET", "/sub/../hello.txt", 200, "hello, world\n", nil},
		{"GET", "//hello.txt", 200, "hello, world\n", nil},
		{"POST", "/hello.txt", 405, "", map[string]string{"Allow": "GET, HEAD"}},
		{"DELETE", "/hello.txt", 405, "", map[string]string{"Allow": "GET, HEAD"}},
		{"OPTIONS", "/hello.txt", 204, "", map[string]string{"Allow": "GET, HEAD"}},
		{"GET", "/.secret", 404, "", nil},
		{"GET", "/.git/config", 404, "", nil},
		{"GET", "/link-inside", 200, "hello, world\n", nil},
		{"GET", "/linkdir-inside/a.txt", 200, "sub a", nil},
		{"GET", "/sub/up", 200, "hello, world\n", nil},
		{"GET", "/link-outside", 404, "", nil},
		{"GET", "/link-abs", 404, "", nil},
		{"GET", "/linkdir-outside/secret.txt", 404, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			rec := serve(t, h, tt.method, tt.target)
			code, hdr, body := rec.Result()
			if code != tt.code {
				t.Fatalf("status = %d, want %d (body %q)", code, tt.code, body)
			}
			if tt.body != "" && body != tt.body {
				t.Errorf("body = %q, want %q", body, tt.body)
			}
			if tt.method == "HEAD" && body != "" {
				t.Errorf("HEAD answered a body %q", body)
			}
			if strings.Contains(body, secretContent) {
				t.Errorf("secret leaked")
			}
			for k, v := range tt.header {
				if got := hdr.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestOptionsAndVary(t *testing.T) {
	h := newDir(t, nil)
	rec := serve(t, h, "OPTIONS", "/hello.txt")
	if rec.Code != 204 || rec.HeaderMap.Has("Content-Length") || rec.Body.Len() != 0 {
		t.Errorf("OPTIONS = %d, Content-Length %q, body %q", rec.Code, rec.HeaderMap.Get("Content-Length"), rec.Body.String())
	}
	// An outer Vary is kept.
	r := request(t, "GET", "/app.js")
	rec = httpservertest.NewRecorder()
	rec.Header().Set("Vary", "Origin")
	h.ServeHTTP(rec, r)
	if got := rec.HeaderMap.Values("Vary"); len(got) != 2 || got[0] != "Origin" || got[1] != "Accept-Encoding" {
		t.Errorf("Vary = %q", got)
	}
}

func TestSymlinkPolicies(t *testing.T) {
	tests := []struct {
		policy SymlinkPolicy
		target string
		code   int
	}{
		{SymlinksInsideRoot, "/link-inside", 200},
		{SymlinksInsideRoot, "/link-outside", 404},
		{SymlinksFollowAll, "/link-inside", 200},
		{SymlinksFollowAll, "/link-outside", 200},
		{SymlinksFollowAll, "/link-abs", 200},
		{SymlinksFollowAll, "/linkdir-outside/secret.txt", 200},
		{SymlinksNever, "/link-inside", 404},
		{SymlinksNever, "/linkdir-inside/a.txt", 404},
		{SymlinksNever, "/sub/up", 404},
		{SymlinksNever, "/link-outside", 404},
		{SymlinksNever, "/sub/a.txt", 200},
		{SymlinksNever, "/", 200},
		{SymlinksNever, "/app.js", 200},
	}
	for _, tt := range tests {
		t.Run(tt.policy.String()+tt.target, func(t *testing.T) {
			h := newDir(t, &Options{FollowSymlinks: tt.policy})
			if code, _, body := serve(t, h, "GET", tt.target, "Accept-Encoding", "gzip").Result(); code != tt.code {
				t.Fatalf("status = %d, want %d (%q)", code, tt.code, body)
			}
		})
	}
}

func TestSymlinkPolicyNames(t *testing.T) {
	for _, p := range []SymlinkPolicy{SymlinksInsideRoot, SymlinksFollowAll, SymlinksNever} {
		got, err := ParseSymlinkPolicy(p.String())
		if err != nil || got != p {
			t.Errorf("ParseSymlinkPolicy(%q) = %v, %v", p.String(), got, err)
		}
	}
	if p, err := ParseSymlinkPolicy(""); err != nil || p != SymlinksInsideRoot {
		t.Errorf("empty policy = %v, %v", p, err)
	}
	if _, err := ParseSymlinkPolicy("sometimes"); !errors.Is(err, ErrBadOption) {
		t.Errorf("bad policy error = %v", err)
	}
	if s := SymlinkPolicy(9).String(); s != "SymlinkPolicy(9)" {
		t.Errorf("String = %q", s)
	}
}

func TestDirErrors(t *testing.T) {
	root := fixture(t)
	if _, err := Dir(filepath.Join(root, "hello.txt"), nil); !errors.Is(err, ErrNotDirectory) {
		t.Errorf("file root: err = %v", err)
	}
	if _, err := Dir(filepath.Join(root, "missing"), nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing root: err = %v", err)
	}
	if _, err := Dir(root, &Options{FollowSymlinks: 7}); !errors.Is(err, ErrBadOption) {
		t.Errorf("bad policy: err = %v", err)
	}
}

// TestDirHandlerClose: Dir's result is a *DirHandler whose Close is
// visible without a type assertion, and releases the directory: afterwards
// a request that reaches the file system finds nothing.
func TestDirHandlerClose(t *testing.T) {
	h, err := Dir(fixture(t), &Options{Cache: CacheOptions{Disable: true}})
	if err != nil {
		t.Fatal(err)
	}
	var _ httpserver.Handler = h
	if rec := serve(t, h, "GET", "/hello.txt"); rec.Code != 200 {
		t.Fatalf("before Close: %d", rec.Code)
	}
	if err := h.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if rec := serve(t, h, "GET", "/hello.txt"); rec.Code == 200 {
		t.Errorf("after Close: %d %q", rec.Code, rec.Body.String())
	}
}

func TestDotfilesShown(t *testing.T) {
	h := newDir(t, &Options{ShowDotfiles: true, Listing: true})
	if code, _, body := serve(t, h, "GET", "/.secret").Result(); code != 200 || body != "dotfile" {
		t.Errorf("/.secret = %d %q", code, body)
	}
	if code, _, body := serve(t, h, "GET", "/list/").Result(); code != 200 || !strings.Contains(body, ".hidden") {
		t.Errorf("listing with dotfiles = %d %q", code, body)
	}
}

func TestIndexOptions(t *testing.T) {
	h := newDir(t, &Options{Index: NoIndex})
	if code, _, _ := serve(t, h, "GET", "/sub/").Result(); code != 404 {
		t.Errorf("NoIndex: /sub/ = %d, want 404", code)
	}
	h = newDir(t, &Options{Index: "a.txt"})
	if code, _, body := serve(t, h, "GET", "/sub/").Result(); code != 200 || body != "sub a" {
		t.Errorf("Index a.txt: /sub/ = %d %q", code, body)
	}
	h = newDir(t, &Options{Index: "a.txt", Listing: true})
	if code, _, body := serve(t, h, "GET", "/list/").Result(); code != 200 || !strings.Contains(body, "zdir/") {
		t.Errorf("Listing fallback = %d %q", code, body)
	}
}

func TestCacheControl(t *testing.T) {
	h := newDir(t, &Options{CacheControl: "public, max-age=60"})
	for _, target := range []string{"/hello.txt", "/app.js"} {
		rec := serve(t, h, "GET", target)
		if got := rec.HeaderMap.Get("Cache-Control"); got != "public, max-age=60" {
			t.Errorf("%s Cache-Control = %q", target, got)
		}
		etag := rec.HeaderMap.Get("ETag")
		rec = serve(t, h, "GET", target, "If-None-Match", etag)
		if rec.Code != 304 || rec.HeaderMap.Get("Cache-Control") != "public, max-age=60" {
			t.Errorf("%s 304 = %d, Cache-Control %q", target, rec.Code, rec.HeaderMap.Get("Cache-Control"))
		}
	}
	h = newDir(t, nil)
	if got := serve(t, h, "GET", "/hello.txt").HeaderMap.Get("Cache-Control"); got != "" {
		t.Errorf("default Cache-Control = %q, want none", got)
	}
}

func TestFSHandler(t *testing.T) {
	mt := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	fsys := fstest.MapFS{
		"a.txt":          {Data: []byte("embedded a")},
		"dated.css":      {Data: []byte("p{}"), ModTime: mt},
		"dir/index.html": {Data: []byte("<p>x</p>")},
		"dir/b.js":       {Data: []byte("b()")},
		"dir/b.js.gz":    {Data: []byte("GZB")},
		".env":           {Data: []byte("SECRET")},
		"fifo":           {Mode: fs.ModeNamedPipe},
	}
	h := Handler(fsys, &Options{Listing: true})
	rec := serve(t, h, "GET", "/a.txt")
	etag := rec.HeaderMap.Get("ETag")
	if rec.Code != 200 || rec.Body.String() != "embedded a" || etag == "" || rec.HeaderMap.Has("Last-Modified") {
		t.Fatalf("/a.txt = %d %q etag %q lm %q", rec.Code, rec.Body.String(), etag, rec.HeaderMap.Get("Last-Modified"))
	}
	// The hash-based tag is stable and cached.
	if again := serve(t, h, "GET", "/a.txt").HeaderMap.Get("ETag"); again != etag {
		t.Errorf("etag changed: %q then %q", etag, again)
	}
	if code := serve(t, h, "GET", "/a.txt", "If-None-Match", etag).Code; code != 304 {
		t.Errorf("If-None-Match on embedded = %d", code)
	}
	if code, _, body := serve(t, h, "GET", "/a.txt", "Range", "bytes=-1").Result(); code != 206 || body != "a" {
		t.Errorf("range on embedded = %d %q", code, body)
	}
	rec = serve(t, h, "GET", "/dated.css")
	if rec.HeaderMap.Get("Last-Modified") != "Mon, 06 May 2024 07:08:09 GMT" {
		t.Errorf("Last-Modified = %q", rec.HeaderMap.Get("Last-Modified"))
	}
	if code, _, body := serve(t, h, "GET", "/dir/").Result(); code != 200 || body != "<p>x</p>" {
		t.Errorf("/dir/ = %d %q", code, body)
	}
	rec = serve(t, h, "GET", "/dir/b.js", "Accept-Encoding", "gzip")
	if rec.Body.String() != "GZB" || rec.HeaderMap.Get("Content-Encoding") != "gzip" {
		t.Errorf("gz sibling = %q %q", rec.Body.String(), rec.HeaderMap.Get("Content-Encoding"))
	}
	for _, target := range []string{"/.env", "/fifo", "/missing"} {
		if code := serve(t, h, "GET", target).Code; code != 404 {
			t.Errorf("%s = %d, want 404", target, code)
		}
	}
	if code, _, body := serve(t, h, "GET", "/").Result(); code != 200 || !strings.Contains(body, "a.txt") || strings.Contains(body, ".env") {
		t.Errorf("listing = %d %q", code, body)
	}
}

// readOnlyFS hands out files that cannot seek: no ranges, no sniffing, no
// hash-based tag.
type readOnlyFS struct{ fstest.MapFS }

type plainFile struct{ fs.File }

func (f readOnlyFS) Open(name string) (fs.File, error) {
	file, err := f.MapFS.Open(name)
	if err != nil {
		return nil, err
	}
	return plainFile{file}, nil
}

func TestNonSeekableFS(t *testing.T) {
	h := Handler(readOnlyFS{fstest.MapFS{"x": {Data: []byte("0123456789")}}}, nil)
	rec := serve(t, h, "GET", "/x", "Range", "bytes=0-1")
	if rec.Code != 200 || rec.Body.String() != "0123456789" {
		t.Errorf("range on non-seekable = %d %q", rec.Code, rec.Body.String())
	}
	if got := rec.HeaderMap.Get("Accept-Ranges"); got != "none" {
		t.Errorf("Accept-Ranges = %q", got)
	}
	if got := rec.HeaderMap.Get("Content-Type"); got != "application/octet-stream" {
		t.Errorf("Content-Type = %q", got)
	}
	if rec.HeaderMap.Has("ETag") {
		t.Errorf("unexpected ETag %q", rec.HeaderMap.Get("ETag"))
	}
	if code := serve(t, h, "GET", "/").Code; code != 404 {
		t.Errorf("directory of non-ReadDir fs = %d", code)
	}
}

func TestOpenStatus(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{fs.ErrNotExist, 404},
		{fs.ErrPermission, 403},
		{&fs.PathError{Op: "open", Path: "x", Err: syscall.EMFILE}, 500},
		{&fs.PathError{Op: "open", Path: "x", Err: syscall.ENOTDIR}, 404},
		{errSymlink, 404},
		{errors.New("path escapes from parent"), 404},
	}
	for _, tt := range tests {
		if got := openStatus(tt.err); got != tt.want {
			t.Errorf("openStatus(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func TestUnreadableFile(t *testing.T) {
	if os.Getuid() == 0 {
		// root reads anything; check the mapping through a fake FS
		// instead.
		h := Handler(errFS{fs.ErrPermission}, nil)
		if code := serve(t, h, "GET", "/x").Code; code != 403 {
			t.Errorf("permission error = %d, want 403", code)
		}
		return
	}
	root := fixture(t)
	if err := os.Chmod(filepath.Join(root, "hello.txt"), 0); err != nil {
		t.Fatal(err)
	}
	h, err := Dir(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if code := serve(t, h, "GET", "/hello.txt").Code; code != 403 {
		t.Errorf("unreadable = %d, want 403", code)
	}
}

type errFS struct{ err error }

func (e errFS) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: e.err}
}

var _ httpserver.Handler = (*fileHandler)(nil)
