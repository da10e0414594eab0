package static

import (
	"os"
	"path/filepath"
	"testing"
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
	defer off.(*dirHandler).Close()
	a, b := serve(t, h, "GET", "/f.txt").Body.String(), serve(t, off, "GET", "/f.txt").Body.String()
	if a != b {
		t.Errorf("cache serves %q forever, file is %q", a, b)
	}
}
