package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRunFileCache: --file-cache sets how long --root serves a file from
// memory; 0 turns the cache off, so a change shows at once.
func TestRunFileCache(t *testing.T) {
	for _, tc := range []struct {
		validity    string
		afterChange string
	}{
		{"0", "second version"},
		{"1m", "first"}, // still the cached copy
	} {
		t.Run(tc.validity, func(t *testing.T) {
			root := t.TempDir()
			file := filepath.Join(root, "a.txt")
			if err := os.WriteFile(file, []byte("first"), 0o644); err != nil {
				t.Fatal(err)
			}
			addr, stop, status, _ := runInProcess(t, []string{"--addr", "127.0.0.1:0", "--root", root, "--file-cache", tc.validity}, nil)
			c := newClient(t)
			if code, _, body := get(t, c, "http://"+addr+"/a.txt"); code != 200 || body != "first" {
				t.Fatalf("first GET: %d %q", code, body)
			}
			if err := os.WriteFile(file, []byte("second version"), 0o644); err != nil {
				t.Fatal(err)
			}
			if code, _, body := get(t, c, "http://"+addr+"/a.txt"); code != 200 || body != tc.afterChange {
				t.Errorf("GET after the change: %d %q, want %q", code, body, tc.afterChange)
			}
			stop()
			status()
		})
	}
}
