package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver/internal/config"
)

// TestExampleConfigLoads checks the example shipped in testdata (and shown
// in docs/configuration.md).
func TestExampleConfigLoads(t *testing.T) {
	cfg, err := config.Load([]string{"--config", "testdata/example.yaml"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":8080" || cfg.ReadHeaderTimeout != 5*time.Second || cfg.IdleTimeout != 2*time.Minute ||
		cfg.MaxHeaderBytes != 64<<10 || cfg.MaxBodyBytes != 10<<20 || cfg.LogFormat != "json" || !cfg.Demo {
		t.Errorf("unexpected config %+v", cfg)
	}
	want := config.Mount{Prefix: "/assets", Dir: filepath.Join("testdata", "public"), CacheControl: "public, max-age=3600"}
	if len(cfg.Static) != 1 || cfg.Static[0] != want {
		t.Errorf("static = %+v, want [%+v]", cfg.Static, want)
	}
}

// TestDocsMatch keeps docs/configuration.md in step with the example file
// and the flags.
func TestDocsMatch(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), "```yaml\n"+string(example)+"```") {
		t.Errorf("docs/configuration.md does not end with testdata/example.yaml verbatim")
	}
	var usage strings.Builder
	config.Usage(&usage)
	flags := 0
	for line := range strings.Lines(usage.String()) {
		name, ok := strings.CutPrefix(line, "  --")
		if !ok {
			continue
		}
		name, _, _ = strings.Cut(strings.TrimSpace(name), " ")
		flags++
		if !strings.Contains(string(doc), "| `--"+name) {
			t.Errorf("docs/configuration.md has no table row for --%s", name)
		}
		env := "HTTPSERVER_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		if name != "version" && name != "check-config" && !strings.Contains(string(doc), "`"+env+"`") {
			t.Errorf("docs/configuration.md does not name %s", env)
		}
	}
	if flags < 16 {
		t.Errorf("found %d flags in the usage text, want 16", flags)
	}
}
