package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRootWellKnown: --root serves /.well-known/ (ACME http-01,
// security.txt) while other dotfiles, the dotfiles below /.well-known/ and
// links to dotfiles answer 404.
func TestRootWellKnown(t *testing.T) {
	root := t.TempDir()
	for name, content := range map[string]string{
		".well-known/acme-challenge/tok-EN_1": "token.thumbprint",
		".well-known/security.txt":            "Contact: mailto:security@example.com\n",
		".well-known/.hidden":                 "SECRET below .well-known",
		".env":                                "SECRET=1",
	} {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(".env", filepath.Join(root, "public.txt")); err != nil {
		t.Fatal(err)
	}
	addr, stop, status, _ := runInProcess(t, []string{"--addr", "127.0.0.1:0", "--root", root}, nil)
	c := newClient(t)
	for _, tt := range []struct {
		path string
		code int
		body string
	}{
		{"/.well-known/acme-challenge/tok-EN_1", 200, "token.thumbprint"},
		{"/.well-known/security.txt", 200, "Contact: mailto:security@example.com\n"},
		{"/.well-known/.hidden", 404, ""},
		{"/.env", 404, ""},
		{"/public.txt", 404, ""},
	} {
		code, _, body := get(t, c, "http://"+addr+tt.path)
		if code != tt.code || tt.body != "" && body != tt.body || strings.Contains(body, "SECRET") {
			t.Errorf("GET %s: %d %q, want %d %q", tt.path, code, body, tt.code, tt.body)
		}
	}
	stop()
	status()
}
