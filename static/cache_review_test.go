package static

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Regression tests from an adversarial review of the open-file cache:
// what an entry must never let through once its validity has run out,
// keys that must not be confused, headers after a change, and the
// bookkeeping of the ring under concurrent stores and removals.

// replaceWithLink removes name below root (a file or a whole directory)
// and puts a symbolic link to target in its place.
func replaceWithLink(t *testing.T, root, name, target string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(name))
	if err := os.RemoveAll(p); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
}

// moveAndLink renames name to moved below root (which keeps inode, size
// and mtime) and puts a link to target where name was.
func moveAndLink(t *testing.T, root, name, moved, target string) {
	t.Helper()
	if err := os.Rename(filepath.Join(root, filepath.FromSlash(name)), filepath.Join(root, filepath.FromSlash(moved))); err != nil {
		t.Fatal(err)
	}
	replaceWithLink(t, root, name, target)
}

// TestCacheReviewRefusedLinksAfterValidity: a cached file, directory index
// or file below a directory that is then replaced by a link the policy
// refuses answers 404 as soon as the validity has run out, never the
// content behind the link nor the cached content.
func TestCacheReviewRefusedLinksAfterValidity(t *testing.T) {
	const validity = time.Second
	tests := []struct {
		name   string
		policy SymlinkPolicy
		target string // requested, cached, then changed
		change func(t *testing.T, root string)
	}{
		{"file to a link outside", SymlinksInsideRoot, "/hello.txt", func(t *testing.T, root string) {
			replaceWithLink(t, root, "hello.txt", "../secret.txt")
		}},
		{"file to an absolute link outside", SymlinksInsideRoot, "/hello.txt", func(t *testing.T, root string) {
			replaceWithLink(t, root, "hello.txt", filepath.Join(filepath.Dir(root), "secret.txt"))
		}},
		{"directory to a link outside, file below", SymlinksInsideRoot, "/sub/a.txt", func(t *testing.T, root string) {
			writeFiles(t, filepath.Dir(root), map[string]string{"outside/a.txt": secretContent})
			replaceWithLink(t, root, "sub", "../outside")
		}},
		{"directory to a link outside, its index", SymlinksInsideRoot, "/sub/", func(t *testing.T, root string) {
			writeFiles(t, filepath.Dir(root), map[string]string{"outside/index.html": secretContent})
			replaceWithLink(t, root, "sub", "../outside")
		}},
		{"index file to a link outside", SymlinksInsideRoot, "/sub/", func(t *testing.T, root string) {
			replaceWithLink(t, root, "sub/index.html", "../../secret.txt")
		}},
		{"root index to a link outside", SymlinksInsideRoot, "/", func(t *testing.T, root string) {
			replaceWithLink(t, root, "index.html", "../secret.txt")
		}},
		// mv keeps inode, size and mtime: only the policy can tell.
		{"never: file moved, link in its place", SymlinksNever, "/hello.txt", func(t *testing.T, root string) {
			moveAndLink(t, root, "hello.txt", "moved.txt", "moved.txt")
		}},
		{"never: directory moved, link in its place", SymlinksNever, "/sub/", func(t *testing.T, root string) {
			moveAndLink(t, root, "sub", "moved", "moved")
		}},
		{"never: index moved, link in its place", SymlinksNever, "/sub/", func(t *testing.T, root string) {
			moveAndLink(t, root, "sub/index.html", "sub/moved.html", "moved.html")
		}},
		{"never: file below a directory link", SymlinksNever, "/sub/a.txt", func(t *testing.T, root string) {
			moveAndLink(t, root, "sub", "moved", "moved")
		}},
	}
	for _, tt := range tests {
		for _, held := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/held=%v", tt.name, held), func(t *testing.T) {
				root := fixture(t)
				cache := CacheOptions{Validity: validity}
				if !held {
					cache.MaxFileSize = -1
				}
				h, _, clock := cachedDir(t, root, &Options{FollowSymlinks: tt.policy, Cache: cache})
				if rec := serve(t, h, "GET", tt.target); rec.Code != 200 {
					t.Fatalf("before: %d", rec.Code)
				}
				if entries, _ := h.cache.stats(); entries != 1 {
					t.Fatalf("%d entries, want 1", entries)
				}
				tt.change(t, root)
				clock.Add(int64(validity))
				for i := range 2 {
					for _, method := range []string{"GET", "HEAD"} {
						rec := serve(t, h, method, tt.target)
						if rec.Code != 404 || strings.Contains(rec.Body.String(), secretContent) {
							t.Fatalf("%s %d after validity: %d %q", method, i, rec.Code, rec.Body.String())
						}
					}
				}
				if entries, _ := h.cache.stats(); entries != 0 {
					t.Errorf("%d entries left", entries)
				}
			})
		}
	}
}

// TestCacheReviewKeys: a directory's index is cached under "dir/", which
// no request for a file maps to, and every path spelling of the same
// file or index shares one key without reaching what the handler refuses.
func TestCacheReviewKeys(t *testing.T) {
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

// TestCacheReviewHeadersAfterChange: once an entry is found changed, every
// validator and length in the response, 304 and 206 included, is that of
// the new file, as a handler without cache answers.
func TestCacheReviewHeadersAfterChange(t *testing.T) {
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

// TestCacheReviewSiblingComesAndGoes: Vary and Content-Encoding follow a
// precompressed sibling that appears, is removed, or turns into a
// directory, once the validity has run out.
func TestCacheReviewSiblingComesAndGoes(t *testing.T) {
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

// checkRing verifies the cache's bookkeeping: every entry of the ring is
// in the map under its key at its own slot, nothing else is in the map,
// and the byte count is the sum of the entries'.
func checkRing(t *testing.T, c *fileCache) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	var sum int64
	for i, e := range c.ring {
		if e.slot != i {
			t.Errorf("ring[%d] has slot %d", i, e.slot)
		}
		if v, ok := c.m.Load(e.key); !ok || v.(*cacheEntry) != e {
			t.Errorf("ring[%d] %q is not the map's entry", i, e.key)
		}
		sum += e.bytes
	}
	n := 0
	c.m.Range(func(_, v any) bool {
		n++
		if e := v.(*cacheEntry); e.slot < 0 || e.slot >= len(c.ring) || c.ring[e.slot] != e {
			t.Errorf("map entry %q not in the ring", e.key)
		}
		return true
	})
	if n != len(c.ring) {
		t.Errorf("%d map entries, %d in the ring", n, len(c.ring))
	}
	if sum != c.bytes {
		t.Errorf("bytes %d, entries hold %d", c.bytes, sum)
	}
	if len(c.ring) > c.maxEntries || c.bytes > c.maxBytes {
		t.Errorf("%d entries, %d bytes: over %d, %d", len(c.ring), c.bytes, c.maxEntries, c.maxBytes)
	}
}

// TestCacheReviewRingConcurrent stores, replaces, removes stale entries
// and hits from several goroutines at once (run with -race), then checks
// the ring, the map and the byte count agree.
func TestCacheReviewRingConcurrent(t *testing.T) {
	c := newFileCache(CacheOptions{MaxEntries: 7, MaxBytes: 200})
	const workers, ops, keys = 4, 400, 12
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range ops {
				key := fmt.Sprintf("k%d", (w*7+i)%keys)
				switch i % 4 {
				case 0, 1:
					c.store(&cacheEntry{key: key, slot: -1, bytes: int64((w+i)%40 + 1)}, c.now())
				case 2:
					if e := c.get(key); e != nil {
						c.remove(e)
						c.remove(e) // twice, or after a replacement: no effect
					}
				case 3:
					c.get(key)
				}
			}
		})
	}
	wg.Wait()
	checkRing(t, c)
}

// TestCacheReviewAccountingThroughHandler: replacing, growing, shrinking
// and deleting files, with siblings, through the handler keeps the byte
// count equal to what the entries hold and within the bounds.
func TestCacheReviewAccountingThroughHandler(t *testing.T) {
	const validity = time.Second
	root := t.TempDir()
	h, _, clock := cachedDir(t, root, &Options{Cache: CacheOptions{Validity: validity, MaxEntries: 4, MaxBytes: 120, MaxFileSize: 30}})
	for i := range 60 {
		name := fmt.Sprintf("f%d.txt", i%6)
		switch i % 5 {
		case 0:
			writeFiles(t, root, map[string]string{name: strings.Repeat("a", i%25+1)})
		case 1:
			writeFiles(t, root, map[string]string{name + ".gz": strings.Repeat("g", i%20+1)})
		case 2:
			os.Remove(filepath.Join(root, name))
		case 3:
			os.Remove(filepath.Join(root, name+".gz"))
		}
		for _, target := range []string{"/" + name, fmt.Sprintf("/f%d.txt", (i+1)%6)} {
			rec := serve(t, h, "GET", target, "Accept-Encoding", "gzip")
			if rec.Code != 200 && rec.Code != 404 {
				t.Fatalf("%s: %d", target, rec.Code)
			}
		}
		clock.Add(int64(validity) / 2)
		checkRing(t, h.cache)
	}
}

// TestCacheReviewDistinctMissesCostNothing: requests for many distinct
// names that do not resolve to a served file (missing, hidden, refused
// links, directories without index, paths with a final slash) add no
// entry.
func TestCacheReviewDistinctMissesCostNothing(t *testing.T) {
	root := fixture(t)
	h, _, _ := cachedDir(t, root, nil)
	for i := range 100 {
		for _, target := range []string{
			fmt.Sprintf("/missing-%d", i),
			fmt.Sprintf("/.secret-%d", i),
			fmt.Sprintf("/hello.txt/%d", i),
			fmt.Sprintf("/linkdir-outside/root/hello.txt?%d", i),
			fmt.Sprintf("/empty/%d/", i),
			fmt.Sprintf("/sub/%d/", i),
		} {
			if code := serve(t, h, "GET", target).Code; code != 404 {
				t.Fatalf("%s: %d", target, code)
			}
		}
	}
	if entries, _ := h.cache.stats(); entries != 0 {
		t.Errorf("%d entries", entries)
	}
}

// TestCacheReviewRefusedLinkOverSocket: the same over a real connection,
// for a held file and a large one sent with sendfile(2), with and without
// Range: once the validity has run out no response carries the content
// behind the link.
func TestCacheReviewRefusedLinkOverSocket(t *testing.T) {
	const validity = time.Second
	root := fixture(t)
	writeFiles(t, root, map[string]string{"large.txt": strings.Repeat("L", 100<<10)})
	h, _, clock := cachedDir(t, root, &Options{Cache: CacheOptions{Validity: validity}})
	addr := startServer(t, h)
	requests := func(target string) []string {
		return []string{
			"GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			"HEAD " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			"GET " + target + " HTTP/1.1\r\nHost: x\r\nRange: bytes=0-5\r\nConnection: close\r\n\r\n",
		}
	}
	for _, name := range []string{"hello.txt", "large.txt"} {
		for _, req := range requests("/" + name) {
			if code, _ := rawExchange(t, addr, req); code != 200 && code != 206 {
				t.Fatalf("before, %q: %d", req, code)
			}
		}
		replaceWithLink(t, root, name, "../secret.txt")
	}
	clock.Add(int64(validity))
	for _, name := range []string{"hello.txt", "large.txt"} {
		for _, req := range requests("/" + name) {
			if code, resp := rawExchange(t, addr, req); code != 404 || strings.Contains(resp, secretContent) {
				t.Errorf("after validity, %q: %d %q", req, code, abbreviate(resp))
			}
		}
	}
}
