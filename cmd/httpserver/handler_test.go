package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver/internal/config"
)

func TestBuildHandlerErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "gone")
	cases := []struct {
		name string
		cfg  config.Config
		want string
	}{
		{"root", config.Config{Root: missing}, "httpserver: root: "},
		{"mount after a good one", config.Config{Root: t.TempDir(), Static: []config.Mount{{Prefix: "/a", Dir: t.TempDir()}, {Prefix: "/b", Dir: missing}}}, "httpserver: static[1]: "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, closers, err := buildHandler(&tc.cfg, time.Now(), nil)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) || h != nil || closers != nil {
				t.Errorf("got %v, %v, %v; want error starting %q", h, closers, err, tc.want)
			}
		})
	}
}
