package static

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"
)

// countingSource counts the file system calls a handler makes.
type countingSource struct {
	source
	opens, stats atomic.Int64
}

func (s *countingSource) open(name string) (fs.File, error) {
	s.opens.Add(1)
	return s.source.open(name)
}

func (s *countingSource) stat(name string) (fs.FileInfo, error) {
	s.stats.Add(1)
	return s.source.stat(name)
}

func (s *countingSource) calls() int64 { return s.opens.Load() + s.stats.Load() }

// cachedDir builds a Dir handler over root whose file system calls are
// counted and whose cache runs on a clock the test advances.
func cachedDir(t *testing.T, root string, opts *Options) (*fileHandler, *countingSource, *atomic.Int64) {
	t.Helper()
	h, err := Dir(root, opts)
	if err != nil {
		t.Fatal(err)
	}
	fh := &h.h
	inner := fh.src.(*osSource)
	t.Cleanup(func() { inner.close() })
	src := &countingSource{source: inner}
	fh.src = src
	clock := new(atomic.Int64)
	fh.cache.now = clock.Load
	return fh, src, clock
}

func TestCacheHitsAndMisses(t *testing.T) {
	tests := []struct {
		name    string
		target  string
		headers []string
		code    int
		body    string
		cached  bool // an entry exists afterwards
		hitFS   bool // a hit still calls the file system (content not held)
	}{
		{"small file", "/hello.txt", nil, 200, "hello, world\n", true, false},
		{"HEAD", "/hello.txt", nil, 200, "", true, false},
		{"index of root", "/", nil, 200, "<!DOCTYPE html><title>home</title>\n", true, false},
		{"index of sub", "/sub/", nil, 200, "<p>sub index</p>", true, false},
		{"index through unclean path", "/sub//", nil, 200, "<p>sub index</p>", true, false},
		{"sibling", "/app.js", []string{"Accept-Encoding", "br"}, 200, "BR-BYTES", true, false},
		{"range", "/digits.txt", []string{"Range", "bytes=2-4"}, 206, "234", true, false},
		{"link inside", "/link-inside", nil, 200, "hello, world\n", true, false},
		{"missing", "/nope.txt", nil, 404, "", false, false},
		{"dotfile", "/.secret", nil, 404, "", false, false},
		{"link outside", "/link-outside", nil, 404, "", false, false},
		{"directory redirect", "/sub", nil, 301, "", false, false},
		{"directory without index", "/empty/", nil, 404, "", false, false},
		{"file with slash", "/hello.txt/", nil, 404, "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, src, _ := cachedDir(t, fixture(t), nil)
			method := "GET"
			if tt.name == "HEAD" {
				method = "HEAD"
			}
			first := serve(t, h, method, tt.target, tt.headers...)
			if first.Code != tt.code || tt.code < 300 && first.Body.String() != tt.body {
				t.Fatalf("first: %d %q, want %d %q", first.Code, first.Body.String(), tt.code, tt.body)
			}
			if entries, _ := h.cache.stats(); (entries > 0) != tt.cached {
				t.Fatalf("%d entries, want cached=%v", entries, tt.cached)
			}
			before := src.calls()
			second := serve(t, h, method, tt.target, tt.headers...)
			if second.Code != first.Code || second.Body.String() != first.Body.String() {
				t.Errorf("second: %d %q, first %d %q", second.Code, second.Body.String(), first.Code, first.Body.String())
			}
			for _, k := range []string{"ETag", "Last-Modified", "Content-Type", "Content-Length", "Vary", "Content-Range", "Content-Encoding", "Accept-Ranges"} {
				if a, b := first.HeaderMap.Get(k), second.HeaderMap.Get(k); a != b {
					t.Errorf("%s: %q then %q", k, a, b)
				}
			}
			if calls := src.calls() - before; tt.cached && !tt.hitFS && calls != 0 {
				t.Errorf("a hit made %d file system calls", calls)
			}
		})
	}
}

func TestCacheLargeFileMetadataOnly(t *testing.T) {
	root := fixture(t)
	big := strings.Repeat("0123456789", 10)
	writeFiles(t, root, map[string]string{"big.txt": big, "big.txt.gz": "GZ"})
	h, src, _ := cachedDir(t, root, &Options{Cache: CacheOptions{MaxFileSize: 50}})
	for i := range 3 {
		before := src.opens.Load()
		rec := serve(t, h, "GET", "/big.txt")
		if rec.Code != 200 || rec.Body.String() != big || rec.HeaderMap.Get("Vary") != "Accept-Encoding" {
			t.Fatalf("GET %d: %d %q Vary %q", i, rec.Code, rec.Body.String(), rec.HeaderMap.Get("Vary"))
		}
		// Each request opens the file; the sibling's content is held.
		if opens := src.opens.Load() - before; i > 0 && opens != 1 {
			t.Errorf("hit %d: %d opens, want 1", i, opens)
		}
	}
	_, held := h.cache.stats()
	if held != 2 {
		t.Errorf("held %d bytes, want 2 (the sibling only)", held)
	}
	before := src.calls()
	if rec := serve(t, h, "GET", "/big.txt", "Accept-Encoding", "gzip"); rec.Body.String() != "GZ" {
		t.Errorf("gzip: %q", rec.Body.String())
	}
	if calls := src.calls() - before; calls != 0 {
		t.Errorf("held sibling: %d file system calls", calls)
	}
	// A negative MaxFileSize holds nothing.
	h, _, _ = cachedDir(t, root, &Options{Cache: CacheOptions{MaxFileSize: -1}})
	if rec := serve(t, h, "GET", "/hello.txt"); rec.Body.String() != "hello, world\n" {
		t.Errorf("metadata only: %q", rec.Body.String())
	}
	if entries, held := h.cache.stats(); entries != 1 || held != 0 {
		t.Errorf("metadata only: %d entries, %d bytes", entries, held)
	}
}

func TestCacheRevalidation(t *testing.T) {
	const validity = time.Second
	tests := []struct {
		name    string
		change  func(t *testing.T, root string)
		headers []string
		code    int
		body    string
		encoded string // Content-Encoding wanted after the change
	}{
		{"unchanged", func(*testing.T, string) {}, nil, 200, "hello, world\n", ""},
		{"same size, new mtime", func(t *testing.T, root string) {
			p := filepath.Join(root, "hello.txt")
			writeFiles(t, root, map[string]string{"hello.txt": "HELLO, WORLD\n"})
			past := time.Now().Add(-time.Hour)
			if err := os.Chtimes(p, past, past); err != nil {
				t.Fatal(err)
			}
		}, nil, 200, "HELLO, WORLD\n", ""},
		{"grown", func(t *testing.T, root string) {
			writeFiles(t, root, map[string]string{"hello.txt": "hello, world, again\n"})
		}, nil, 200, "hello, world, again\n", ""},
		{"deleted", func(t *testing.T, root string) {
			if err := os.Remove(filepath.Join(root, "hello.txt")); err != nil {
				t.Fatal(err)
			}
		}, nil, 404, "", ""},
		{"replaced by a link outside the root", func(t *testing.T, root string) {
			p := filepath.Join(root, "hello.txt")
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("../secret.txt", p); err != nil {
				t.Fatal(err)
			}
		}, nil, 404, "", ""},
		{"replaced by a directory", func(t *testing.T, root string) {
			p := filepath.Join(root, "hello.txt")
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}, nil, 301, "", ""},
		{"sibling added", func(t *testing.T, root string) {
			writeFiles(t, root, map[string]string{"hello.txt.gz": "GZHELLO"})
		}, []string{"Accept-Encoding", "gzip"}, 200, "GZHELLO", "gzip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := fixture(t)
			h, src, clock := cachedDir(t, root, &Options{Cache: CacheOptions{Validity: validity}})
			rec := serve(t, h, "GET", "/hello.txt", tt.headers...)
			if rec.Code != 200 || rec.Body.String() != "hello, world\n" {
				t.Fatalf("before: %d %q", rec.Code, rec.Body.String())
			}
			etag := rec.HeaderMap.Get("ETag")
			tt.change(t, root)
			// Within the validity the entry is trusted as it was: the
			// staleness the documentation warns about.
			clock.Add(int64(validity) - 1)
			before := src.calls()
			if rec := serve(t, h, "GET", "/hello.txt", tt.headers...); rec.Code != 200 || rec.Body.String() != "hello, world\n" {
				t.Errorf("within validity: %d %q", rec.Code, rec.Body.String())
			}
			if calls := src.calls() - before; calls != 0 {
				t.Errorf("within validity: %d file system calls", calls)
			}
			clock.Add(1)
			for i := range 2 {
				rec := serve(t, h, "GET", "/hello.txt", tt.headers...)
				body := rec.Body.String()
				if rec.Code != tt.code || tt.body != "" && body != tt.body || strings.Contains(body, secretContent) {
					t.Fatalf("after validity (%d): %d %q, want %d %q", i, rec.Code, body, tt.code, tt.body)
				}
				if got := rec.HeaderMap.Get("Content-Encoding"); got != tt.encoded {
					t.Errorf("Content-Encoding %q, want %q", got, tt.encoded)
				}
				if tt.name != "unchanged" && tt.code == 200 && tt.encoded == "" && rec.HeaderMap.Get("ETag") == etag {
					t.Errorf("ETag %q unchanged", etag)
				}
			}
			entries, _ := h.cache.stats()
			if want := tt.code == 200; (entries == 1) != want {
				t.Errorf("%d entries after the change", entries)
			}
		})
	}
}

func TestCacheRevalidatesEveryRequest(t *testing.T) {
	root := fixture(t)
	h, src, _ := cachedDir(t, root, &Options{Cache: CacheOptions{Validity: -1}})
	serve(t, h, "GET", "/hello.txt")
	before := src.stats.Load()
	if rec := serve(t, h, "GET", "/hello.txt"); rec.Body.String() != "hello, world\n" {
		t.Fatalf("body %q", rec.Body.String())
	}
	if stats := src.stats.Load() - before; stats != 1+int64(len(siblings)) {
		t.Errorf("%d stats, want the file's and its siblings'", stats)
	}
	writeFiles(t, root, map[string]string{"hello.txt": "changed"})
	if rec := serve(t, h, "GET", "/hello.txt"); rec.Body.String() != "changed" {
		t.Errorf("after change: %q", rec.Body.String())
	}
}

// TestCacheFileChangedUnderHit: a hit that opens its file (content not
// held) and finds it changed serves the new file, not the entry.
func TestCacheFileChangedUnderHit(t *testing.T) {
	root := fixture(t)
	h, _, _ := cachedDir(t, root, &Options{Cache: CacheOptions{MaxFileSize: -1}})
	writeFiles(t, root, map[string]string{"app.js.gz": "OLDGZ"})
	serve(t, h, "GET", "/hello.txt")
	serve(t, h, "GET", "/app.js", "Accept-Encoding", "gzip")
	writeFiles(t, root, map[string]string{"hello.txt": "new content, longer", "app.js.gz": "NEWGZ-LONGER"})
	rec := serve(t, h, "GET", "/hello.txt")
	if rec.Code != 200 || rec.Body.String() != "new content, longer" || rec.HeaderMap.Get("Content-Length") != "19" {
		t.Errorf("identity: %d %q CL %q", rec.Code, rec.Body.String(), rec.HeaderMap.Get("Content-Length"))
	}
	rec = serve(t, h, "GET", "/app.js", "Accept-Encoding", "gzip")
	if rec.Code != 200 || rec.Body.String() != "NEWGZ-LONGER" {
		t.Errorf("sibling: %d %q", rec.Code, rec.Body.String())
	}
}

func TestCacheEviction(t *testing.T) {
	tests := []struct {
		name        string
		opts        CacheOptions
		files       int
		size        int
		wantEntries int
		maxBytes    int64
	}{
		{"entries cap", CacheOptions{MaxEntries: 3}, 10, 10, 3, 30},
		{"bytes cap", CacheOptions{MaxBytes: 25}, 10, 10, 2, 25},
		{"both", CacheOptions{MaxEntries: 4, MaxBytes: 100}, 20, 30, 3, 100},
		{"file larger than the bytes cap", CacheOptions{MaxBytes: 5}, 3, 10, 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			files := map[string]string{}
			for i := range tt.files {
				files[fmt.Sprintf("f%02d.txt", i)] = strings.Repeat(string(rune('a'+i)), tt.size)
			}
			writeFiles(t, root, files)
			h, _, _ := cachedDir(t, root, &Options{Cache: tt.opts})
			for round := range 2 {
				for name, content := range files {
					if rec := serve(t, h, "GET", "/"+name); rec.Body.String() != content {
						t.Fatalf("round %d %s: %q", round, name, rec.Body.String())
					}
					entries, held := h.cache.stats()
					if entries > tt.wantEntries || held > tt.maxBytes {
						t.Fatalf("%d entries, %d bytes: over the caps", entries, held)
					}
				}
			}
			entries, held := h.cache.stats()
			if entries != tt.wantEntries {
				t.Errorf("%d entries, want %d", entries, tt.wantEntries)
			}
			var sum int64
			h.cache.m.Range(func(_, v any) bool {
				sum += v.(*cacheEntry).bytes
				return true
			})
			if sum != held {
				t.Errorf("held %d bytes, entries hold %d", held, sum)
			}
		})
	}
}

// TestCacheKeepsHotFiles: files requested once are evicted before a file
// requested again and again.
func TestCacheKeepsHotFiles(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{"hot.txt": "hot"}
	for i := range 50 {
		files[fmt.Sprintf("cold%02d.txt", i)] = "cold"
	}
	writeFiles(t, root, files)
	h, src, _ := cachedDir(t, root, &Options{Cache: CacheOptions{MaxEntries: 4}})
	serve(t, h, "GET", "/hot.txt")
	for i := range 50 {
		serve(t, h, "GET", fmt.Sprintf("/cold%02d.txt", i))
		before := src.calls()
		serve(t, h, "GET", "/hot.txt")
		if calls := src.calls() - before; calls != 0 {
			t.Fatalf("after cold%02d: hot.txt was evicted (%d calls)", i, calls)
		}
	}
}

func TestCacheNegativeResultsNotCached(t *testing.T) {
	h, _, _ := cachedDir(t, fixture(t), &Options{Listing: true})
	for i := range 200 {
		if code := serve(t, h, "GET", fmt.Sprintf("/missing-%d.txt", i)).Code; code != 404 {
			t.Fatalf("missing: %d", code)
		}
	}
	for _, target := range []string{"/link-outside", "/.secret", "/list/", "/sub", "/hello.txt/", "/linkdir-outside/secret.txt"} {
		serve(t, h, "GET", target)
	}
	if entries, _ := h.cache.stats(); entries != 0 {
		t.Errorf("%d entries after failures, listings and redirects", entries)
	}
	// A permission error is not cached either.
	fh := Handler(errFS{fs.ErrPermission}, nil).(*fileHandler)
	serve(t, fh, "GET", "/x")
	if entries, _ := fh.cache.stats(); entries != 0 {
		t.Errorf("%d entries after 403", entries)
	}
}

func TestCacheDisabled(t *testing.T) {
	h, err := Dir(fixture(t), &Options{Cache: CacheOptions{Disable: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if h.h.cache != nil {
		t.Fatal("cache present")
	}
	if rec := serve(t, h, "GET", "/hello.txt"); rec.Body.String() != "hello, world\n" {
		t.Errorf("body %q", rec.Body.String())
	}
}

func TestCacheFSHandler(t *testing.T) {
	fsys := fstest.MapFS{
		"a.txt":      {Data: []byte("embedded a")},
		"b.js":       {Data: []byte("b()")},
		"b.js.gz":    {Data: []byte("GZB")},
		"dated.css":  {Data: []byte("p{}"), ModTime: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)},
		"noext":      {Data: []byte("<!DOCTYPE html><p>sniffed</p>")},
		"large.bin":  {Data: []byte(strings.Repeat("x", 100))},
		"large.bin2": {Data: []byte("y")},
	}
	on := Handler(fsys, &Options{Cache: CacheOptions{MaxFileSize: 50}})
	off := Handler(fsys, &Options{Cache: CacheOptions{Disable: true}})
	requests := []struct {
		target  string
		headers []string
	}{
		{"/a.txt", nil},
		{"/b.js", []string{"Accept-Encoding", "gzip"}},
		{"/b.js", nil},
		{"/dated.css", nil},
		{"/noext", nil},
		{"/large.bin", nil},
		{"/large.bin", []string{"Range", "bytes=1-2"}},
		{"/a.txt", []string{"Range", "bytes=1-2,4-5"}},
	}
	for _, rq := range requests {
		for round := range 2 {
			a, b := serve(t, on, "GET", rq.target, rq.headers...), serve(t, off, "GET", rq.target, rq.headers...)
			ab, bb := a.Body.String(), b.Body.String()
			if ct := a.HeaderMap.Get("Content-Type"); strings.HasPrefix(ct, "multipart/") {
				ab = strings.ReplaceAll(ab, strings.TrimPrefix(ct, "multipart/byteranges; boundary="), "B")
				bb = strings.ReplaceAll(bb, strings.TrimPrefix(b.HeaderMap.Get("Content-Type"), "multipart/byteranges; boundary="), "B")
			}
			if a.Code != b.Code || ab != bb {
				t.Errorf("%s %v round %d: cache %d %q, none %d %q", rq.target, rq.headers, round, a.Code, ab, b.Code, bb)
			}
			for _, k := range []string{"ETag", "Last-Modified", "Content-Length", "Content-Encoding", "Vary", "Accept-Ranges", "Content-Range"} {
				if a.HeaderMap.Get(k) != b.HeaderMap.Get(k) {
					t.Errorf("%s %v: %s %q vs %q", rq.target, rq.headers, k, a.HeaderMap.Get(k), b.HeaderMap.Get(k))
				}
			}
		}
	}
}

// TestCacheConcurrent serves, changes files and evicts from several
// goroutines at once; run with -race.
func TestCacheConcurrent(t *testing.T) {
	root := t.TempDir()
	versions := map[string][]string{}
	files := map[string]string{}
	for i := range 8 {
		name := fmt.Sprintf("f%d.txt", i)
		versions[name] = []string{"version one " + name, "version two, longer, " + name}
		files[name] = versions[name][0]
	}
	writeFiles(t, root, files)
	h, _, clock := cachedDir(t, root, &Options{Cache: CacheOptions{MaxEntries: 5, Validity: 10}})
	var wg sync.WaitGroup
	const workers, requests = 4, 300
	errs := make(chan string, workers*requests)
	for w := range workers {
		wg.Go(func() {
			for i := range requests {
				name := fmt.Sprintf("f%d.txt", (w+i)%8)
				rec := serve(t, h, "GET", "/"+name)
				body := rec.Body.String()
				if rec.Code != 200 || body != versions[name][0] && body != versions[name][1] {
					errs <- fmt.Sprintf("%s: %d %q", name, rec.Code, body)
				}
				clock.Add(1)
			}
		})
	}
	wg.Go(func() {
		for i := range 50 {
			name := fmt.Sprintf("f%d.txt", i%8)
			p := filepath.Join(root, name)
			tmp := p + ".tmp"
			if err := os.WriteFile(tmp, []byte(versions[name][i%2]), 0o644); err != nil {
				errs <- err.Error()
				return
			}
			if err := os.Rename(tmp, p); err != nil { // atomic: never a torn file
				errs <- err.Error()
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if entries, _ := h.cache.stats(); entries > 5 {
		t.Errorf("%d entries", entries)
	}
}
