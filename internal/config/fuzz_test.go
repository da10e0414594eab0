package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoadFile checks that any file content either loads or yields one
// single-line *Error about the configuration file.
func FuzzLoadFile(f *testing.F) {
	for _, seed := range []string{
		"addr: :1\nread_timeout: 3s\n",
		"static:\n  - {prefix: /a, dir: ., listing: true}\n",
		"max_body_bytes: 10MiB\ndemo: false\n",
		"a: &x [1, *x]\n",
		"read_timeout: !!binary aGk=\n",
		"? [a]\n: b\n",
		"%YAML 1.1\n---\naddr: :1\n",
	} {
		f.Add(seed)
	}
	dir := f.TempDir()
	name := filepath.Join(dir, "fuzz.yaml")
	f.Fuzz(func(t *testing.T, text string) {
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load([]string{"--config", name}, nil)
		if err == nil {
			return
		}
		msg := err.Error()
		if _, ok := err.(*Error); !ok {
			t.Fatalf("error %T, want *Error: %s", err, msg)
		}
		if strings.ContainsAny(msg, "\r\n") || !strings.HasPrefix(msg, "httpserver: config: ") {
			t.Fatalf("bad message %q", msg)
		}
	})
}

// FuzzFlags checks that any single argument either parses or yields one
// single-line error.
func FuzzFlags(f *testing.F) {
	for _, seed := range []string{"--addr=:1", "--max-conns=x", "-demo", "--", "---", "-=", "--read-timeout=1\n"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		_, err := Load([]string{arg}, nil)
		if err == nil || err == ErrHelp {
			return
		}
		if msg := err.Error(); strings.ContainsAny(msg, "\r\n") || !strings.HasPrefix(msg, "httpserver: ") {
			t.Fatalf("bad message %q", msg)
		}
	})
}
