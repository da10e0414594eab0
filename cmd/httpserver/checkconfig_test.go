package main

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// runBinary runs the binary to completion and returns its status, stdout
// and stderr.
func runBinary(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(cleanEnv(), env...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	var ee *exec.ExitError
	if err := cmd.Run(); err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

// TestBinaryCheckConfig: --check-config merges flags, environment and
// file as serving does, prints the result as YAML and exits 0 without
// listening (the address given is busy).
func TestBinaryCheckConfig(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "assets"), 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "httpserver.yaml")
	yml := "addr: 127.0.0.1:1\nserver_name: from-file\nmax_conns: 10\nstatic:\n  - prefix: /assets\n    dir: assets\n" +
		"middleware:\n  rate_limit:\n    rate: \"5\"\n    trusted_proxies: [10.0.0.0/8]\n"
	if err := os.WriteFile(file, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runBinary(t, []string{"HTTPSERVER_CONFIG=" + file, "HTTPSERVER_MAX_CONNS=20", "HTTPSERVER_LOG_LEVEL=debug"},
		"--check-config", "--addr", busy.Addr().String(), "--read-timeout=7s")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q; stdout:\n%s", code, stderr, stdout)
	}
	if !strings.HasPrefix(stdout, "# httpserver "+testVersion+": configuration OK\n") {
		t.Errorf("stdout does not start with the OK line:\n%s", stdout)
	}
	var got struct {
		Addr        string
		Config      string
		ReadTimeout string `yaml:"read_timeout"`
		MaxConns    int    `yaml:"max_conns"`
		ServerName  string `yaml:"server_name"`
		LogLevel    string `yaml:"log_level"`
		Static      []struct{ Prefix, Dir string }
		Middleware  struct {
			RateLimit      float64  `yaml:"rate_limit"`
			TrustedProxies []string `yaml:"trusted_proxies"`
			AccessLogQuiet []string `yaml:"access_log_quiet"`
			MetricsPath    string   `yaml:"metrics_path"`
		}
		CheckConfig *bool `yaml:"check_config"`
	}
	if err := yaml.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("stdout is not YAML: %v\n%s", err, stdout)
	}
	want := []struct {
		what     string
		got, exp any
	}{
		{"addr (flag over file)", got.Addr, busy.Addr().String()},
		{"config", got.Config, file},
		{"read_timeout (flag)", got.ReadTimeout, "7s"},
		{"max_conns (env over file)", got.MaxConns, 20},
		{"server_name (file)", got.ServerName, "from-file"},
		{"log_level (env)", got.LogLevel, "debug"},
		{"static", len(got.Static), 1},
		{"rate_limit (file)", got.Middleware.RateLimit, 5.0},
		{"trusted_proxies", strings.Join(got.Middleware.TrustedProxies, ","), "10.0.0.0/8"},
		{"access_log_quiet (default)", strings.Join(got.Middleware.AccessLogQuiet, ","), "/health"},
		{"metrics_path (default)", got.Middleware.MetricsPath, "/metrics"},
		{"check_config (a mode, not shown)", got.CheckConfig == nil, true},
	}
	for _, w := range want {
		if w.got != w.exp {
			t.Errorf("%s: %v, want %v", w.what, w.got, w.exp)
		}
	}
	if len(got.Static) == 1 && (got.Static[0].Prefix != "/assets" || got.Static[0].Dir != filepath.Join(dir, "assets")) {
		t.Errorf("static: %+v", got.Static)
	}
}

// TestBinaryCheckConfigFails: a configuration the server would refuse is
// refused with the same one line and status 2, and nothing on stdout.
func TestBinaryCheckConfigFails(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	badMount := filepath.Join(dir, "mount.yaml")
	if err := os.WriteFile(badMount, []byte("static:\n  - prefix: /a\n    dir: "+missing+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	corsFile := filepath.Join(dir, "cors.yaml")
	if err := os.WriteFile(corsFile, []byte("middleware:\n  cors:\n    origins: [\"*\"]\n    credentials: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"bad flag", nil, []string{"--max-conns=-1"}, "httpserver: flag --max-conns: "},
		{"bad env", []string{"HTTPSERVER_READ_TIMEOUT=soon"}, nil, `httpserver: env HTTPSERVER_READ_TIMEOUT: invalid duration "soon"`},
		{"missing root", nil, []string{"--root", missing}, `httpserver: flag --root: cannot use directory "` + missing + `"`},
		{"missing mount", nil, []string{"--config", badMount}, `httpserver: config: static[0].dir: cannot use directory "` + missing + `"`},
		{"CORS * with credentials", nil, []string{"--config", corsFile}, `httpserver: config: middleware.cors: middleware: invalid CORS configuration: origin "*" with credentials`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runBinary(t, tc.env, append([]string{"--check-config"}, tc.args...)...)
			if code != 2 || !strings.HasPrefix(stderr, tc.want) || strings.Count(stderr, "\n") != 1 || stdout != "" {
				t.Errorf("exit %d stderr %q stdout %q; want 2 and a line starting %q", code, stderr, stdout, tc.want)
			}
		})
	}
}
