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

// Tests of the cache's bounds and bookkeeping: entries and bytes within
// MaxEntries and MaxBytes, the ring and the map in agreement under
// concurrent stores and removals, and no entry for what is not served.

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

// TestCacheRingConcurrent stores, replaces, removes stale entries
// and hits from several goroutines at once (run with -race), then checks
// the ring, the map and the byte count agree.
func TestCacheRingConcurrent(t *testing.T) {
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

// TestCacheAccountingThroughHandler: replacing, growing, shrinking
// and deleting files, with siblings, through the handler keeps the byte
// count equal to what the entries hold and within the bounds.
func TestCacheAccountingThroughHandler(t *testing.T) {
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

// TestCacheDistinctMissesCostNothing: requests for many distinct
// names that do not resolve to a served file (missing, hidden, refused
// links, directories without index, paths with a final slash) add no
// entry.
func TestCacheDistinctMissesCostNothing(t *testing.T) {
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
