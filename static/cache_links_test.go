package static

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Tests of the open-file cache against symbolic links: what an entry must
// never let through once its validity has run out.

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

// TestCacheRefusedLinksAfterValidity: a cached file, directory index
// or file below a directory that is then replaced by a link the policy
// refuses, or a link to a hidden dotfile, answers 404 as soon as the
// validity has run out, never the content behind the link nor the cached
// content.
func TestCacheRefusedLinksAfterValidity(t *testing.T) {
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
		// Hidden dotfiles: a link to one is refused, even when the
		// file behind it is the very one cached (same inode, size and
		// mtime).
		{"file moved to a dotfile, link in its place", SymlinksInsideRoot, "/hello.txt", func(t *testing.T, root string) {
			moveAndLink(t, root, "hello.txt", ".moved.txt", ".moved.txt")
		}},
		{"all: file moved to a dotfile, link in its place", SymlinksFollowAll, "/hello.txt", func(t *testing.T, root string) {
			moveAndLink(t, root, "hello.txt", ".moved.txt", ".moved.txt")
		}},
		{"directory moved to a dot directory, file below", SymlinksInsideRoot, "/sub/a.txt", func(t *testing.T, root string) {
			moveAndLink(t, root, "sub", ".sub", ".sub")
		}},
		{"directory moved to a dot directory, its index", SymlinksInsideRoot, "/sub/", func(t *testing.T, root string) {
			moveAndLink(t, root, "sub", ".sub", ".sub")
		}},
		{"index moved to a dotfile, link in its place", SymlinksInsideRoot, "/sub/", func(t *testing.T, root string) {
			moveAndLink(t, root, "sub/index.html", "sub/.index.html", ".index.html")
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

// TestCacheRefusedLinkOverSocket: the same over a real connection,
// for a held file and a large one sent with sendfile(2), with and without
// Range: once the validity has run out no response carries the content
// behind the link.
func TestCacheRefusedLinkOverSocket(t *testing.T) {
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
