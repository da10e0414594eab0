package static

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

// TestCacheSeesInPlaceRewriteWithRestoredMtime: an in-place rewrite that
// keeps the size and restores the mtime (cp -p, tar, rsync --inplace -t)
// is seen once Validity has run out, through the ctime.
func TestCacheSeesInPlaceRewriteWithRestoredMtime(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"f.txt": "version-1"})
	p := filepath.Join(root, "f.txt")
	fi, _ := os.Stat(p)
	h, _, clock := cachedDir(t, root, nil)
	serve(t, h, "GET", "/f.txt")
	if err := os.WriteFile(p, []byte("version-2"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	clock.Add(int64(10 * DefaultCacheValidity))
	off, _ := Dir(root, &Options{Cache: CacheOptions{Disable: true}})
	defer off.Close()
	a, b := serve(t, h, "GET", "/f.txt").Body.String(), serve(t, off, "GET", "/f.txt").Body.String()
	if a != b {
		t.Errorf("cache serves %q forever, file is %q", a, b)
	}
}

// failGzFS is a file system whose .gz siblings exist but cannot be opened.
type failGzFS struct{ fstest.MapFS }

func (f failGzFS) Open(name string) (fs.File, error) {
	if strings.HasSuffix(name, ".gz") {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return f.MapFS.Open(name)
}

// TestCacheUnreadableSiblingFallsBack: a hit whose chosen sibling cannot
// be opened serves the identity file, as a miss does, and keeps the entry
// (it used to rebuild it on every such request).
func TestCacheUnreadableSiblingFallsBack(t *testing.T) {
	fsys := failGzFS{fstest.MapFS{"a.js": {Data: []byte("a()")}, "a.js.gz": {Data: []byte(strings.Repeat("z", 100))}}}
	fh := Handler(fsys, &Options{Cache: CacheOptions{MaxFileSize: 10}}).(*fileHandler)
	cs := &countingSource{source: fh.src}
	fh.src = cs
	var ptrs []*cacheEntry
	for i := range 3 {
		rec := serve(t, fh, "GET", "/a.js", "Accept-Encoding", "gzip")
		if rec.Code != 200 || rec.Body.String() != "a()" {
			t.Fatalf("%d %q", rec.Code, rec.Body.String())
		}
		v, _ := fh.cache.m.Load("a.js")
		ptrs = append(ptrs, v.(*cacheEntry))
		t.Logf("request %d: opens %d stats %d", i, cs.opens.Load(), cs.stats.Load())
	}
	if ptrs[1] != ptrs[2] {
		t.Errorf("the entry is rebuilt on every request (%d opens, %d stats for 3 requests)", cs.opens.Load(), cs.stats.Load())
	}
}

// TestCacheEntryStaysWithinMaxBytes: a file whose representations
// together exceed MaxBytes is cached holding only what fits, instead of
// evicting every other entry and then itself.
func TestCacheEntryStaysWithinMaxBytes(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"a.txt": "aaaaaaaaaa", "b.txt": "bbbbbbbbbb", "c.txt": "cccccccccc",
		"big.js": strings.Repeat("x", 60), "big.js.gz": strings.Repeat("g", 50),
	})
	h, src, _ := cachedDir(t, root, &Options{Cache: CacheOptions{MaxBytes: 100}})
	for range 2 { // miss then hit: referenced
		for _, n := range []string{"/a.txt", "/b.txt", "/c.txt"} {
			serve(t, h, "GET", n)
		}
	}
	if n, b := h.cache.stats(); n != 3 || b != 30 {
		t.Fatalf("before: %d entries %d bytes", n, b)
	}
	serve(t, h, "GET", "/big.js")
	n, b := h.cache.stats()
	t.Logf("after one request for big.js: %d entries, %d bytes", n, b)
	before := src.calls()
	serve(t, h, "GET", "/a.txt")
	if n != 4 || b > 100 || src.calls() != before {
		t.Errorf("after big.js: %d entries, %d bytes (want 4, within 100); an a.txt hit made %d calls", n, b, src.calls()-before)
	}
}

// gateSource blocks the first stat of f.txt.br until released: a request
// stalled between reading a file and caching it.
type gateSource struct {
	source
	once    sync.Once
	entered chan struct{}
	release chan struct{}
}

func (g *gateSource) stat(name string) (fs.FileInfo, error) {
	if name == "f.txt.br" {
		block := false
		g.once.Do(func() { block = true })
		if block {
			close(g.entered)
			<-g.release
		}
	}
	return g.source.stat(name)
}

// TestCacheLateStoreKeepsNewerEntry: a request that read the old version
// and stalled must not store it over the new version's entry with a
// fresh stamp; entries are stamped with the time the file was looked at.
func TestCacheLateStoreKeepsNewerEntry(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"f.txt": "version-1"})
	h, src, clock := cachedDir(t, root, nil)
	g := &gateSource{source: src, entered: make(chan struct{}), release: make(chan struct{})}
	h.src = g
	done := make(chan string)
	go func() { done <- serve(t, h, "GET", "/f.txt").Body.String() }()
	<-g.entered // A has read version-1 and is looking up siblings
	tmp := filepath.Join(root, "tmp")
	os.WriteFile(tmp, []byte("version-2, longer"), 0o644)
	os.Rename(tmp, filepath.Join(root, "f.txt"))
	if got := serve(t, h, "GET", "/f.txt").Body.String(); got != "version-2, longer" {
		t.Fatalf("B: %q", got)
	}
	clock.Add(int64(DefaultCacheValidity) - 1)
	close(g.release)
	<-done
	clock.Add(2) // more than Validity after the change and after B cached version-2
	if got := serve(t, h, "GET", "/f.txt").Body.String(); got != "version-2, longer" {
		t.Errorf("%s after the change (and after version-2 was cached): served %q", fmt.Sprint(DefaultCacheValidity+1), got)
	}
}
