package main

import (
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// startWorkers runs the binary with --workers 2 and returns it with the
// address, once both workers are ready.
func startWorkers(t *testing.T, args ...string) (*family, string) {
	t.Helper()
	f := startFamily(t, binary(t), nil, append([]string{"--addr", "127.0.0.1:0", "--workers", "2"}, args...)...)
	f.await(t, 1, `"msg":"all workers ready"`)
	return f, listeningAddr(f.await(t, 1, `"msg":"listening"`))
}

// TestWorkersRestartCrashed: a supervisor with two workers serves through
// both; a worker killed is restarted after the back-off and serves again,
// and SIGTERM stops all of them gracefully.
func TestWorkersRestartCrashed(t *testing.T) {
	f, addr := startWorkers(t)
	cl := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: wait}
	if code, _, _ := get(t, cl, "http://"+addr+"/health"); code != 200 {
		t.Fatalf("/health: %d", code)
	}
	if n := f.count(`"msg":"listening"`); n != 2 {
		t.Errorf("%d listening records, want one per worker:\n%s", n, f)
	}
	pid := pidOf(t, f.await(t, 1, `"msg":"worker started","worker":0`))
	if !f.runsBinary(pid) {
		t.Fatalf("pid %d does not run the binary", pid)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	f.await(t, 1, `"msg":"worker exited; restarting it","worker":0`, `"status":"signal: killed","delay":"100ms"`)
	f.await(t, 2, `"msg":"worker started","worker":0`)
	f.await(t, 3, `"msg":"listening"`)
	for range 4 {
		if code, _, _ := get(t, cl, "http://"+addr+"/health"); code != 200 {
			t.Errorf("/health after the restart: %d", code)
		}
	}
	f.cmd.Process.Signal(syscall.SIGTERM)
	if code := f.waitFirst(t); code != 0 {
		t.Errorf("supervisor: status %d; log:\n%s", code, f)
	}
	f.awaitEOF(t)
	if n := f.count(`"msg":"worker stopped"`, `"status":0`); n != 2 {
		t.Errorf("%d workers stopped cleanly, want 2:\n%s", n, f)
	}
}

// TestWorkersDrainOnSIGTERM: SIGTERM to the supervisor reaches the workers,
// which stop accepting (the port then refuses connections) and answer the
// request in flight, with Connection: close.
func TestWorkersDrainOnSIGTERM(t *testing.T) {
	f, addr := startWorkers(t, "--shutdown-timeout", "10s")
	c, br := startSlowEcho(t, addr)
	f.cmd.Process.Signal(syscall.SIGTERM)
	awaitListenerClosed(t, addr)
	finishSlowEcho(t, c, br)
	if code := f.waitFirst(t); code != 0 {
		t.Errorf("supervisor: status %d; log:\n%s", code, f)
	}
	f.awaitEOF(t)
}

// TestWorkersBusyPort: SO_REUSEPORT is for the workers only; a server
// without workers, or a second supervisor, on the supervisor's port fails
// to start as on any busy port.
func TestWorkersBusyPort(t *testing.T) {
	_, addr := startWorkers(t)
	for _, args := range [][]string{{"--addr", addr}, {"--addr", addr, "--workers", "2"}} {
		cmd := exec.Command(binary(t), args...)
		cmd.Env = cleanEnv()
		var stderr strings.Builder
		cmd.Stderr = &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.HasPrefix(stderr.String(), `httpserver: cannot listen on "`+addr+`"`) {
			t.Errorf("%v: %v, stderr %q; want status 1, cannot listen", args, err, stderr.String())
		}
	}
}

// TestWorkersReload: SIGHUP to the supervisor checks the configuration
// and, valid, has every worker reload it; a broken file is refused once,
// by the supervisor, and the workers keep theirs.
func TestWorkersReload(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "httpserver.yaml")
	writeFile(t, cfg, "server_name: one\n")
	f, addr := startWorkers(t, "--config", cfg)
	writeFile(t, cfg, "read_timeout: 3x\n")
	f.cmd.Process.Signal(syscall.SIGHUP)
	f.await(t, 1, `"msg":"reload refused; the configuration in force stays"`)
	writeFile(t, cfg, "server_name: one\nstatic:\n  - prefix: /d\n    dir: .\n")
	if err := os.WriteFile(filepath.Join(dir, "x.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	f.cmd.Process.Signal(syscall.SIGHUP)
	f.await(t, 1, `"msg":"reloaded the configuration"`, `"worker":0`)
	f.await(t, 1, `"msg":"reloaded the configuration"`, `"worker":1`)
	cl := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: wait}
	for range 4 { // both workers, most likely
		if code, hdr, body := get(t, cl, "http://"+addr+"/d/x.txt"); code != 200 || body != "x" || hdr.Get("Server") != "one" {
			t.Errorf("GET /d/x.txt: %d %q %q", code, hdr.Get("Server"), body)
		}
	}
	f.cmd.Process.Signal(syscall.SIGTERM)
	if code := f.waitFirst(t); code != 0 {
		t.Errorf("supervisor: status %d; log:\n%s", code, f)
	}
	f.awaitEOF(t)
	if n := f.count(`"level":"ERROR"`); n != 1 {
		t.Errorf("%d error records, want 1 (the supervisor's refusal):\n%s", n, f)
	}
}

// TestWorkersUpgradeUnderLoad: SIGUSR2 to the supervisor starts a new
// supervisor on the same sockets, whose workers serve before the old
// workers drain; no request fails and no connection is refused, on every
// engine.
func TestWorkersUpgradeUnderLoad(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			f, addr := startWorkers(t, "--engine", engine)
			g := startLoad(t, addr, "/api/echo?a=1", "")
			g.awaitOK(t, 300)
			f.cmd.Process.Signal(syscall.SIGUSR2)
			newPID := pidOf(t, f.await(t, 1, `"msg":"upgrade: the new supervisor's workers serve`))
			if code := f.waitFirst(t); code != 0 {
				t.Errorf("old supervisor: status %d, want 0", code)
			}
			g.awaitOK(t, 300) // all served by the new workers
			g.end()
			t.Logf("engine %s: %s", engine, g)
			if g.failed.Load() != 0 || g.refused.Load() != 0 {
				t.Errorf("engine %s: %s", engine, g)
			}
			if n := f.count(`"msg":"worker started"`); n != 4 {
				t.Errorf("%d workers started, want 4:\n%s", n, f)
			}
			stopPID(t, newPID)
			f.awaitEOF(t)
			if n := f.count(`"msg":"worker stopped"`, `"status":0`); n != 4 {
				t.Errorf("%d workers stopped cleanly, want 4:\n%s", n, f)
			}
		})
	}
}
