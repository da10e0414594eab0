package http2_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver/internal/http2/h2test"
)

// Independent clients against the server (h2c by prior knowledge): curl,
// nghttp and h2spec. Each part skips when its tool is not installed.

func startTools(t *testing.T) *h2test.Server {
	t.Helper()
	srv, err := h2test.Start("", nil, h2test.Handler)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return srv
}

func tool(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if home, err := os.UserHomeDir(); err == nil {
		p := filepath.Join(home, "go", "bin", name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("HTTPSERVER_REQUIRE_TOOLS") == "1" {
		t.Fatalf("%s not installed, and HTTPSERVER_REQUIRE_TOOLS=1 (CI installs it)", name)
	}
	t.Skipf("%s not installed", name)
	return ""
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

func TestCurlPriorKnowledge(t *testing.T) {
	curl := tool(t, "curl")
	srv := startTools(t)
	base := "http://" + srv.Addr()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{base + "/hi"}, "hello, GET /hi 2 200"},
		{[]string{"-d", "posted", base + "/echo"}, "posted 2 200"},
		{[]string{base + "/status?c=404"}, " 2 404"},
		{[]string{"-o", "/dev/null", base + "/big?n=3000000"}, " 2 200 3000000"},
	}
	for _, tt := range tests {
		args := append([]string{"-sS", "--http2-prior-knowledge", "-w", " %{http_version} %{http_code}"}, tt.args...)
		if strings.Contains(tt.want, "3000000") {
			args[3] += " %{size_download}"
		}
		if got := run(t, curl, args...); got != tt.want {
			t.Errorf("curl %v: %q, want %q", tt.args, got, tt.want)
		}
	}
}

func TestNghttp(t *testing.T) {
	nghttp := tool(t, "nghttp")
	srv := startTools(t)
	base := "http://" + srv.Addr()
	// -n discards the body; -s prints statistics; several URIs share one
	// connection as concurrent streams.
	out := run(t, nghttp, "-nv", base+"/a", base+"/big?n=1000000", base+"/status?c=204")
	for _, want := range []string{":status: 200", ":status: 204", "recv SETTINGS frame", "send GOAWAY frame"} {
		if !strings.Contains(out, want) {
			t.Errorf("nghttp output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "RST_STREAM") || strings.Contains(out, "recv GOAWAY") {
		t.Errorf("unexpected error frames:\n%s", out)
	}
	out = run(t, nghttp, "-d", "/etc/hostname", base+"/echo")
	if want, _ := os.ReadFile("/etc/hostname"); out != string(want) {
		t.Errorf("nghttp upload echoed %q, want %q", out, want)
	}
}

// TestH2Spec runs h2spec (github.com/summerwind/h2spec v2.2.1, strict
// mode) against the server and fails on any failed case.
func TestH2Spec(t *testing.T) {
	h2spec := tool(t, "h2spec")
	srv := startTools(t)
	host, port, _ := strings.Cut(srv.Addr(), ":")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, _ := exec.CommandContext(ctx, h2spec, "-S", "-h", host, "-p", port).CombinedOutput()
	m := regexp.MustCompile(`(\d+) tests, (\d+) passed, (\d+) skipped, (\d+) failed`).FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("no h2spec summary:\n%s", out)
	}
	t.Logf("h2spec: %s", m[0])
	if m[4] != "0" {
		t.Fatalf("h2spec failures:\n%s", out)
	}
}
