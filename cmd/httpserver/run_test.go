package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// env returns an environment ("NAME=value" entries) holding kv.
func env(kv map[string]string) []string {
	var environ []string
	for k, v := range kv {
		environ = append(environ, k+"="+v)
	}
	return environ
}

// runInProcess starts run in a goroutine and returns its address, a
// cancel func that starts the shutdown, and a func awaiting the status.
func runInProcess(t *testing.T, args []string, getenv map[string]string) (addr string, stop context.CancelFunc, status func() int, log *logSink) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log = newLogSink()
	done := make(chan int, 1)
	var stdout strings.Builder
	go func() { done <- run(ctx, args, env(getenv), &stdout, log) }()
	waited := false
	status = func() int {
		t.Helper()
		select {
		case code := <-done:
			waited = true
			return code
		case <-time.After(wait):
			t.Fatalf("run did not return; log:\n%s", log)
			return -1
		}
	}
	t.Cleanup(func() {
		cancel()
		if !waited {
			<-done
		}
	})
	select {
	case addr = <-log.addr:
	case code := <-done:
		waited = true
		t.Fatalf("run returned %d before listening; log:\n%s", code, log)
	case <-time.After(wait):
		t.Fatalf("no listening record; log:\n%s", log)
	}
	return addr, cancel, status, log
}

func TestRunServesAndStops(t *testing.T) {
	addr, stop, status, log := runInProcess(t, []string{"--addr", "127.0.0.1:0"}, map[string]string{"HTTPSERVER_SHUTDOWN_TIMEOUT": "5s"})
	checkEndpoints(t, addr, "dev")
	stop()
	if code := status(); code != 0 {
		t.Errorf("status %d, want 0; log:\n%s", code, log)
	}
	for _, want := range []string{`"msg":"shutting down"`, `"grace":"5s"`, `"msg":"stopped"`} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, log)
		}
	}
}

func TestRunDemoOff(t *testing.T) {
	addr, stop, status, _ := runInProcess(t, []string{"--addr=127.0.0.1:0", "--demo=false", "--log-format=json"}, nil)
	c := newClient(t)
	if code, _, _ := get(t, c, "http://"+addr+"/"); code != 404 {
		t.Errorf("GET / with demo off: %d, want 404", code)
	}
	if code, _, _ := get(t, c, "http://"+addr+"/api/echo"); code != 404 {
		t.Errorf("GET /api/echo with demo off: %d, want 404", code)
	}
	if code, _, _ := get(t, c, "http://"+addr+"/health"); code != 200 {
		t.Errorf("GET /health with demo off: %d, want 200", code)
	}
	stop()
	if code := status(); code != 0 {
		t.Errorf("status %d", code)
	}
}

// TestRunRootTurnsDemoOff: with --root the demo endpoints are off, so
// /api/echo is a path under the root; --demo given explicitly brings them
// back. The welcome page names the address the server listens on.
func TestRunRootTurnsDemoOff(t *testing.T) {
	addr, _, _, log := runInProcess(t, []string{"--addr=127.0.0.1:0", "--root", "testdata/public"}, nil)
	c := newClient(t)
	if code, _, body := get(t, c, "http://"+addr+"/api/echo?a=1"); code != 404 || strings.Contains(body, `"method"`) {
		t.Errorf("GET /api/echo with --root: %d %.60q, want the root's 404", code, body)
	}
	if !strings.Contains(log.String(), `"demo":false`) {
		t.Errorf("listening record does not report demo off:\n%s", log)
	}

	addr, _, _, _ = runInProcess(t, []string{"--addr=127.0.0.1:0", "--root", "testdata/public"}, map[string]string{"HTTPSERVER_DEMO": "true"})
	if code, _, body := get(t, c, "http://"+addr+"/api/echo?a=1"); code != 200 || !strings.Contains(body, `"method":"GET"`) {
		t.Errorf("GET /api/echo with --root and HTTPSERVER_DEMO=true: %d %.60q", code, body)
	}

	addr, _, _, _ = runInProcess(t, []string{"--addr=127.0.0.1:0"}, nil)
	if code, _, body := get(t, c, "http://"+addr+"/"); code != 200 || !strings.Contains(body, "'http://"+addr+"/api/echo?a=1&amp;a=2'") {
		t.Errorf("welcome page does not show the listen address %s: %d\n%s", addr, code, body)
	}
}

func TestRunServerName(t *testing.T) {
	addr, stop, status, _ := runInProcess(t, []string{"--addr=127.0.0.1:0", "--server-name", "demo/1.0"}, nil)
	_, hdr, _ := get(t, newClient(t), "http://"+addr+"/health")
	if got := hdr.Get("Server"); got != "demo/1.0" {
		t.Errorf("Server = %q, want demo/1.0", got)
	}
	stop()
	status()
}

func TestRunInFlightRequestCompletes(t *testing.T) {
	addr, stop, status, log := runInProcess(t, []string{"--addr", "127.0.0.1:0", "--shutdown-timeout", "10s"}, nil)
	c, br := startSlowEcho(t, addr)
	stop()
	awaitListenerClosed(t, addr)
	finishSlowEcho(t, c, br)
	if code := status(); code != 0 {
		t.Errorf("status %d, want 0; log:\n%s", code, log)
	}
}

func TestRunGracePeriodExceeded(t *testing.T) {
	addr, stop, status, log := runInProcess(t, []string{"--addr", "127.0.0.1:0", "--shutdown-timeout", "100ms"}, nil)
	_, br := startSlowEcho(t, addr) // never finished
	stop()
	if code := status(); code != 1 {
		t.Errorf("status %d, want 1", code)
	}
	awaitClosed(t, br)
	if !strings.Contains(log.String(), "grace period over") {
		t.Errorf("log lacks the forced close:\n%s", log)
	}
}

func TestRunStaticRootAndMounts(t *testing.T) {
	root := t.TempDir()
	assets := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "index.html"), []byte("<p>root index</p>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(assets, "a.txt"), []byte("asset text"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "c.yaml")
	yaml := "static:\n  - {prefix: /assets, dir: " + assets + ", cache_control: \"public, max-age=60\", listing: true}\n"
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	addr, stop, status, _ := runInProcess(t, []string{"--addr=127.0.0.1:0", "--root", root, "--config", file}, nil)
	c := newClient(t)
	base := "http://" + addr
	if code, _, body := get(t, c, base+"/"); code != 200 || body != "<p>root index</p>" {
		t.Errorf("GET / with --root: %d %q", code, body)
	}
	if code, hdr, body := get(t, c, base+"/assets/a.txt"); code != 200 || body != "asset text" || hdr.Get("Cache-Control") != "public, max-age=60" {
		t.Errorf("GET /assets/a.txt: %d %q %q", code, body, hdr.Get("Cache-Control"))
	}
	if code, _, body := get(t, c, base+"/assets/"); code != 200 || !strings.Contains(body, "a.txt") {
		t.Errorf("GET /assets/ (listing): %d %q", code, body)
	}
	if code, _, body := get(t, c, base+"/health"); code != 200 || !strings.Contains(body, `"status":"ok"`) {
		t.Errorf("GET /health with --root: %d %q", code, body)
	}
	if code, _, _ := get(t, c, base+"/missing"); code != 404 {
		t.Errorf("GET /missing: %d", code)
	}
	stop()
	if code := status(); code != 0 {
		t.Errorf("status %d", code)
	}
}

func TestRunExits(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cases := []struct {
		name   string
		args   []string
		env    map[string]string
		code   int
		stdout string // prefix
		stderr string // exact
	}{
		{"bad flag", []string{"--max-conns", "abc"}, nil, 2, "", "httpserver: flag --max-conns: invalid value \"abc\"\n"},
		{"unknown flag", []string{"--colour"}, nil, 2, "", "httpserver: flag --colour: unknown flag\n"},
		{"bad env", nil, map[string]string{"HTTPSERVER_READ_TIMEOUT": "3x"}, 2, "", "httpserver: env HTTPSERVER_READ_TIMEOUT: invalid duration \"3x\"\n"},
		{"contradiction", []string{"--rate-burst", "5"}, nil, 2, "", "httpserver: flag --rate-burst: set while rate limiting is off (no rate limit)\n"},
		{"epoll hand-off without epoll", []string{"--engine", "pool"}, map[string]string{"HTTPSERVER_EPOLL_HAND_OFF": "true"}, 2, "",
			"httpserver: env HTTPSERVER_EPOLL_HAND_OFF: set while the engine is not epoll (engine: pool)\n"},
		{"bad epoll hand-off", []string{"--engine=epoll", "--epoll-hand-off=sometimes"}, nil, 2, "",
			"httpserver: flag --epoll-hand-off: invalid boolean \"sometimes\" (want true or false)\n"},
		{"metrics addr is addr", []string{"--addr", "127.0.0.1:8123"}, map[string]string{"HTTPSERVER_METRICS_ADDR": "127.0.0.1:8123"}, 2, "",
			"httpserver: env HTTPSERVER_METRICS_ADDR: address \"127.0.0.1:8123\" is the serving address (addr \"127.0.0.1:8123\")\n"},
		{"help", []string{"--help"}, nil, 0, "Usage: httpserver [flags]", ""},
		{"version", []string{"--version"}, nil, 0, "httpserver dev\n", ""},
		{"address in use", []string{"--addr", busy.Addr().String()}, nil, 1, "",
			"httpserver: cannot listen on \"" + busy.Addr().String() + "\": listen tcp " + busy.Addr().String() + ": bind: address already in use\n"},
		{"metrics address in use", []string{"--addr", "127.0.0.1:0", "--metrics-addr", busy.Addr().String()}, nil, 1, "",
			"httpserver: cannot listen on metrics address \"" + busy.Addr().String() + "\": listen tcp " + busy.Addr().String() + ": bind: address already in use\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := run(context.Background(), tc.args, env(tc.env), &stdout, &stderr)
			if code != tc.code {
				t.Errorf("status %d, want %d; stderr %q", code, tc.code, stderr.String())
			}
			if !strings.HasPrefix(stdout.String(), tc.stdout) || tc.stdout == "" && stdout.Len() > 0 {
				t.Errorf("stdout %q, want %q", stdout.String(), tc.stdout)
			}
			if stderr.String() != tc.stderr {
				t.Errorf("stderr %q, want %q", stderr.String(), tc.stderr)
			}
		})
	}
}

func TestBuildVersion(t *testing.T) {
	if got := buildVersion(); got != "dev" {
		t.Errorf("buildVersion() = %q in a test binary, want dev", got)
	}
	old := version
	version = "v1.2.3"
	defer func() { version = old }()
	if got := buildVersion(); got != "v1.2.3" {
		t.Errorf("buildVersion() = %q, want v1.2.3", got)
	}
}

// TestRunSecondSignal sends real signals to this test process; run has
// registered for them before it announces its address.
func TestRunSecondSignal(t *testing.T) {
	addr, _, status, log := runInProcess(t, []string{"--addr", "127.0.0.1:0", "--shutdown-timeout", "0"}, nil)
	_, br := startSlowEcho(t, addr) // never finished
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	awaitListenerClosed(t, addr)
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := status(); code != 1 {
		t.Errorf("status %d, want 1", code)
	}
	awaitClosed(t, br)
	for _, want := range []string{`"reason":"terminated"`, `"msg":"second signal; exiting now","signal":"interrupt"`} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, log)
		}
	}
}

func TestLookupIn(t *testing.T) {
	getenv := lookupIn([]string{"A=1", "B=", "A=2", "C=x=y", "junk"})
	for k, want := range map[string]string{"A": "1", "B": "", "C": "x=y", "junk": "", "D": ""} {
		if got := getenv(k); got != want {
			t.Errorf("getenv(%q) = %q, want %q", k, got, want)
		}
	}
}
