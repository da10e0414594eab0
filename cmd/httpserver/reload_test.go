package main

import (
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// writeFile writes data to name through a rename, as an editor or a
// configuration manager would, so that a reader never sees half of it.
func writeFile(t *testing.T, name, data string) {
	t.Helper()
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, name); err != nil {
		t.Fatal(err)
	}
}

// TestReloadUnderLoad: SIGHUP while clients send requests swaps the static
// mounts and the middleware (a rate limit, whose fields then appear in
// every answer) without a failed request; a broken file is refused with
// one line and the configuration in force stays; settings that need a
// restart keep their values with one warning, on every engine.
func TestReloadUnderLoad(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			dir := t.TempDir()
			for _, d := range []string{"a", "b"} {
				if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, d, d+".txt"), []byte("file "+d), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cfg := filepath.Join(dir, "httpserver.yaml")
			writeFile(t, cfg, "static:\n  - prefix: /assets\n    dir: a\n")
			f := startFamily(t, binary(t), nil, "--addr", "127.0.0.1:0", "--engine", engine, "--config", cfg)
			addr := listeningAddr(f.await(t, 1, `"msg":"listening"`))
			cl := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: wait}
			base := "http://" + addr
			expect := func(path string, wantCode int, wantBody string, wantRate bool) {
				t.Helper()
				code, hdr, body := get(t, cl, base+path)
				if code != wantCode || wantBody != "" && body != wantBody || (hdr.Get("RateLimit-Policy") != "") != wantRate {
					t.Errorf("GET %s: %d %q RateLimit-Policy %q; want %d %q, rate limit fields %v", path, code, body, hdr.Get("RateLimit-Policy"), wantCode, wantBody, wantRate)
				}
			}
			expect("/assets/a.txt", 200, "file a", false)
			expect("/more/b.txt", 404, "", false)

			g := startLoad(t, addr, "/api/echo?a=1", "RateLimit-Policy")
			g.awaitOK(t, 200)
			writeFile(t, cfg, "log_level: debug\nstatic:\n  - prefix: /assets\n    dir: b\n  - prefix: /more\n    dir: b\n"+
				"middleware:\n  rate_limit:\n    rate: 1000000\n")
			f.cmd.Process.Signal(syscall.SIGHUP)
			f.await(t, 1, `"msg":"reloaded the configuration"`, `"pipeline_kept":false`)
			before := g.header.Load()
			g.awaitOK(t, 200)
			if g.header.Load() == before {
				t.Errorf("no answer after the reload carried the rate limit fields; %s", g)
			}
			expect("/assets/b.txt", 200, "file b", true)
			expect("/assets/a.txt", 404, "", true)
			expect("/more/b.txt", 200, "file b", true)

			// A broken file: refused, the configuration in force stays.
			writeFile(t, cfg, "static:\n  - prefix: /assets\n    dir: a\nread_timeout: 3x\n")
			f.cmd.Process.Signal(syscall.SIGHUP)
			f.await(t, 1, `"msg":"reload refused; the configuration in force stays","err":"httpserver: config: read_timeout: invalid duration \"3x\"`)
			g.awaitOK(t, 100)
			expect("/assets/b.txt", 200, "file b", true)

			// Settings that need a restart: one warning, old values kept;
			// the rest applies.
			writeFile(t, cfg, "read_timeout: 5s\nmax_conns: 5\nstatic:\n  - prefix: /assets\n    dir: a\n")
			f.cmd.Process.Signal(syscall.SIGHUP)
			f.await(t, 1, `"msg":"reload: these settings need a restart and keep their values","settings":["read-timeout","max-conns"]`)
			f.await(t, 2, `"msg":"reloaded the configuration"`)
			g.awaitOK(t, 100)
			expect("/assets/a.txt", 200, "file a", false)

			g.end()
			t.Logf("engine %s: %s (with the rate limit fields: %d)", engine, g, g.header.Load())
			if g.failed.Load() != 0 || g.refused.Load() != 0 {
				t.Errorf("engine %s: %s", engine, g)
			}
			f.cmd.Process.Signal(syscall.SIGTERM)
			if code := f.waitFirst(t); code != 0 {
				t.Errorf("status %d; log:\n%s", code, f)
			}
			f.awaitEOF(t)
			if n := f.count(`"level":"ERROR"`); n != 1 {
				t.Errorf("%d error records, want 1 (the refused reload):\n%s", n, f)
			}
		})
	}
}
