package static

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Tests of revalidation: what the cache sees of a file changed on disk
// once an entry's validity has run out, and which of two racing requests
// gets to store its entry.

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

// TestCacheHeadersAfterChange: once an entry is found changed, every
// validator and length in the response, 304 and 206 included, is that of
// the new file, as a handler without cache answers.
func TestCacheHeadersAfterChange(t *testing.T) {
	const validity = time.Second
	for _, held := range []bool{true, false} {
		t.Run(fmt.Sprintf("held=%v", held), func(t *testing.T) {
			root := t.TempDir()
			writeFiles(t, root, map[string]string{"f.txt": "0123456789abcdef"})
			cache := CacheOptions{Validity: validity}
			if !held {
				cache.MaxFileSize = -1
			}
			h, _, clock := cachedDir(t, root, &Options{Cache: cache})
			off, err := Dir(root, &Options{Cache: CacheOptions{Disable: true}})
			if err != nil {
				t.Fatal(err)
			}
			defer off.Close()
			old := serve(t, h, "GET", "/f.txt")
			oldTag, oldLM := old.HeaderMap.Get("ETag"), old.HeaderMap.Get("Last-Modified")
			serve(t, h, "GET", "/f.txt") // a hit

			// Shrunk, with an older mtime: Last-Modified goes back.
			p := filepath.Join(root, "f.txt")
			writeFiles(t, root, map[string]string{"f.txt": "XYZ"})
			past := time.Now().Add(-48 * time.Hour)
			if err := os.Chtimes(p, past, past); err != nil {
				t.Fatal(err)
			}
			clock.Add(int64(validity))
			requests := [][]string{
				nil,
				{"If-None-Match", oldTag},
				{"If-Modified-Since", oldLM},
				{"Range", "bytes=10-12"},
				{"Range", "bytes=1-"},
				{"Range", "bytes=0-0,2-2"},
				{"Range", "bytes=1-", "If-Range", oldTag},
				{"If-Match", oldTag},
			}
			for _, hdrs := range requests {
				for _, method := range []string{"GET", "HEAD"} {
					a, b := serve(t, h, method, "/f.txt", hdrs...), serve(t, off, method, "/f.txt", hdrs...)
					ab, bb := a.Body.String(), b.Body.String()
					if ct := a.HeaderMap.Get("Content-Type"); strings.HasPrefix(ct, "multipart/") {
						ab = strings.ReplaceAll(ab, strings.TrimPrefix(ct, "multipart/byteranges; boundary="), "B")
						bb = strings.ReplaceAll(bb, strings.TrimPrefix(b.HeaderMap.Get("Content-Type"), "multipart/byteranges; boundary="), "B")
					}
					if a.Code != b.Code || ab != bb {
						t.Errorf("%s %q: cache %d %q, none %d %q", method, hdrs, a.Code, ab, b.Code, bb)
					}
					for _, k := range []string{"ETag", "Last-Modified", "Content-Length", "Content-Range", "Accept-Ranges"} {
						if a.HeaderMap.Get(k) != b.HeaderMap.Get(k) {
							t.Errorf("%s %q: %s %q, without cache %q", method, hdrs, k, a.HeaderMap.Get(k), b.HeaderMap.Get(k))
						}
					}
				}
			}
			if tag := serve(t, h, "GET", "/f.txt").HeaderMap.Get("ETag"); tag == oldTag {
				t.Errorf("ETag %q unchanged", tag)
			}
		})
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
