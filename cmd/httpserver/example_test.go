package main

import (
	"path/filepath"
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
