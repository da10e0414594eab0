package static

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// Tests of precompressed siblings under the cache.

// TestCacheSiblingComesAndGoes: Vary and Content-Encoding follow a
// precompressed sibling that appears, is removed, or turns into a
// directory, once the validity has run out.
func TestCacheSiblingComesAndGoes(t *testing.T) {
	const validity = time.Second
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"a.js": "a()"})
	h, _, clock := cachedDir(t, root, &Options{Cache: CacheOptions{Validity: validity}})
	gz := filepath.Join(root, "a.js.gz")
	steps := []struct {
		name     string
		change   func(t *testing.T)
		vary     string
		encoding string
		body     string
	}{
		{"none", func(*testing.T) {}, "", "", "a()"},
		{"added", func(t *testing.T) { writeFiles(t, root, map[string]string{"a.js.gz": "GZ"}) }, "Accept-Encoding", "gzip", "GZ"},
		{"rewritten", func(t *testing.T) { writeFiles(t, root, map[string]string{"a.js.gz": "GZ2, longer"}) }, "Accept-Encoding", "gzip", "GZ2, longer"},
		{"removed", func(t *testing.T) {
			if err := os.Remove(gz); err != nil {
				t.Fatal(err)
			}
		}, "", "", "a()"},
		{"a directory", func(t *testing.T) {
			if err := os.Mkdir(gz, 0o755); err != nil {
				t.Fatal(err)
			}
		}, "", "", "a()"},
	}
	for _, s := range steps {
		s.change(t)
		clock.Add(int64(validity))
		for i := range 2 {
			rec := serve(t, h, "GET", "/a.js", "Accept-Encoding", "gzip")
			if rec.Code != 200 || rec.Body.String() != s.body || rec.HeaderMap.Get("Vary") != s.vary ||
				rec.HeaderMap.Get("Content-Encoding") != s.encoding {
				t.Errorf("%s (%d): %d %q Vary %q Content-Encoding %q", s.name, i, rec.Code, rec.Body.String(),
					rec.HeaderMap.Get("Vary"), rec.HeaderMap.Get("Content-Encoding"))
			}
		}
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
