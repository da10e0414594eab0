package config

import (
	"os"
	"path/filepath"
	"testing"
)

// env returns a getenv func over a map.
func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

// writeYAML writes a config file into a fresh directory and returns its
// path.
func writeYAML(t *testing.T, text string) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "httpserver.yaml")
	if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}
