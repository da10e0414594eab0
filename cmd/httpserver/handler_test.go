package main

import (
	"net"
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
			h, closers, err := buildHandler(&tc.cfg, time.Now(), nil, nil, nil)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) || h != nil || closers != nil {
				t.Errorf("got %v, %v, %v; want error starting %q", h, closers, err, tc.want)
			}
		})
	}
}

func TestDialAddr(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"127.0.0.1:18080", "127.0.0.1:18080"},
		{"0.0.0.0:8080", "localhost:8080"},
		{"[::]:8080", "localhost:8080"},
		{"[::1]:9000", "[::1]:9000"},
		{"192.0.2.7:80", "192.0.2.7:80"},
	} {
		a, err := net.ResolveTCPAddr("tcp", tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := dialAddr(a); got != tc.want {
			t.Errorf("dialAddr(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := dialAddr(nil); got != "" {
		t.Errorf("dialAddr(nil) = %q", got)
	}
}
