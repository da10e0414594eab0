package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runHealthcheck runs `httpserver healthcheck args...` in-process and
// returns its status, stdout and stderr.
func runHealthcheck(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr strings.Builder
	code := run(context.Background(), append([]string{"healthcheck"}, args...), env(vars), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// fakeServer accepts one connection on loopback, reads one request, sends
// answer and closes. The request read is sent on the returned channel.
func fakeServer(t *testing.T, answer string) (string, <-chan *http.Request) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	reqs := make(chan *http.Request, 1)
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(wait))
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil {
			return
		}
		reqs <- req
		if answer == "" { // say nothing until the client gives up
			io.Copy(io.Discard, c)
			return
		}
		io.WriteString(c, answer)
	}()
	return ln.Addr().String(), reqs
}

func TestHealthcheckStatus(t *testing.T) {
	cases := []struct {
		name   string
		answer string
		code   int
		stderr string
	}{
		{"200", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, ""},
		{"200 HTTP/1.0", "HTTP/1.0 200 OK\r\n\r\n", 0, ""},
		{"200 no reason", "HTTP/1.1 200 \r\n\r\n", 0, ""},
		{"503", "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n", 1, "503 Service Unavailable"},
		{"204", "HTTP/1.1 204 No Content\r\n\r\n", 1, "204 No Content"},
		{"2000", "HTTP/1.1 2000 OK\r\n\r\n", 1, "2000 OK"},
		{"not HTTP", "SSH-2.0-OpenSSH_9.2\r\n", 1, "not an HTTP/1.x status line"},
		{"closed", "HTTP/1.1 20", 1, "reading the status line"},
		{"silent", "", 1, "i/o timeout"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr, reqs := fakeServer(t, tc.answer)
			code, stdout, stderr := runHealthcheck(t, nil, "--timeout=300ms", "http://"+addr+"/health?deep=1")
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d stderr %q, want %d and %q", code, stderr, tc.code, tc.stderr)
			}
			if code == 0 && !strings.Contains(stdout, "200") {
				t.Errorf("stdout %q", stdout)
			}
			select {
			case req := <-reqs:
				if req.Method != "GET" || req.RequestURI != "/health?deep=1" || req.Host != addr || req.Proto != "HTTP/1.1" || !req.Close {
					t.Errorf("request: %s %s %s Host %q close %v", req.Method, req.RequestURI, req.Proto, req.Host, req.Close)
				}
			case <-time.After(wait):
				t.Fatal("no request arrived")
			}
		})
	}
}

func TestHealthcheckRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	code, _, stderr := runHealthcheck(t, nil, "http://"+addr+"/health")
	if code != 1 || !strings.Contains(stderr, "refused") {
		t.Errorf("exit %d stderr %q", code, stderr)
	}
}

func TestHealthcheckUsage(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"https://127.0.0.1/health"}, `httpserver: healthcheck: invalid URL "https://127.0.0.1/health" (want http://HOST[:PORT]/PATH)`},
		{[]string{"/health"}, `httpserver: healthcheck: invalid URL "/health" (want http://HOST[:PORT]/PATH)`},
		{[]string{"http://u:p@127.0.0.1/"}, `httpserver: healthcheck: invalid URL "http://u:p@127.0.0.1/" (want http://HOST[:PORT]/PATH)`},
		{[]string{"http://a/", "http://b/"}, `httpserver: healthcheck: unexpected argument "http://b/"`},
		{[]string{"--timeout=0s"}, `httpserver: healthcheck: --timeout must be positive, not 0s`},
		{[]string{"--timeout=soon"}, `httpserver: healthcheck: invalid value "soon" for flag -timeout: parse error`},
	}
	for _, tc := range cases {
		code, stdout, stderr := runHealthcheck(t, nil, tc.args...)
		if code != 2 || stderr != tc.want+"\n" || stdout != "" {
			t.Errorf("%q: exit %d stderr %q stdout %q, want 2 and %q", tc.args, code, stderr, stdout, tc.want)
		}
	}
	if code, stdout, _ := runHealthcheck(t, nil, "--help"); code != 0 || !strings.HasPrefix(stdout, "Usage: httpserver healthcheck") {
		t.Errorf("--help: %d %q", code, stdout)
	}
	var usage strings.Builder
	if code := run(context.Background(), []string{"--help"}, nil, &usage, io.Discard); code != 0 || !strings.Contains(usage.String(), "\n       httpserver healthcheck [--timeout DURATION] [URL]") {
		t.Errorf("the binary's --help does not show the healthcheck mode:\n%s", usage.String())
	}
}

func TestDefaultHealthURL(t *testing.T) {
	cases := []struct{ addr, want string }{
		{"", "http://127.0.0.1:8080/health"},
		{":9090", "http://127.0.0.1:9090/health"},
		{"0.0.0.0:81", "http://127.0.0.1:81/health"},
		{"[::]:82", "http://127.0.0.1:82/health"},
		{"[::1]:83", "http://[::1]:83/health"},
		{"127.0.0.2:84", "http://127.0.0.2:84/health"},
		{"localhost:85", "http://localhost:85/health"},
		{"127.0.0.1:0", "http://127.0.0.1:8080/health"},
		{"no port", "http://127.0.0.1:8080/health"},
	}
	for _, tc := range cases {
		if got := defaultHealthURL(tc.addr); got != tc.want {
			t.Errorf("defaultHealthURL(%q) = %q, want %q", tc.addr, got, tc.want)
		}
	}
}

// TestBinaryHealthcheck runs the binary's healthcheck against the binary:
// 200 while serving, 1 once draining (503), the address taken from
// HTTPSERVER_ADDR when no URL is given.
func TestBinaryHealthcheck(t *testing.T) {
	p := start(t, nil, "--addr=127.0.0.1:0", "--shutdown-delay=20s")
	addr := awaitAddr(t, p.addr, p)
	check := func(env []string, args ...string) (int, string) {
		cmd := exec.Command(binary(t), append([]string{"healthcheck"}, args...)...)
		cmd.Env = append(cleanEnv(), env...)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), string(out)
	}
	if code, out := check(nil, "http://"+addr+"/health"); code != 0 || !strings.Contains(out, "200 OK") {
		t.Errorf("serving: exit %d %q", code, out)
	}
	if code, out := check([]string{"HTTPSERVER_ADDR=" + addr}); code != 0 || !strings.Contains(out, "http://"+addr+"/health: 200 OK") {
		t.Errorf("serving, URL from HTTPSERVER_ADDR: exit %d %q", code, out)
	}
	p.signal(t, syscall.SIGTERM) // /health fails for the 20 s delay
	code, out := 0, ""
	for i := 0; i < 200 && code == 0; i++ {
		code, out = check(nil, "http://"+addr+"/health")
		time.Sleep(10 * time.Millisecond)
	}
	if code != 1 || !strings.Contains(out, "503 Service Unavailable") {
		t.Errorf("draining: exit %d %q", code, out)
	}
	p.signal(t, syscall.SIGTERM) // second signal: exit now
	p.wait(t)
}

// TestBinaryLinksNoNetHTTP guards the rule that the server path, the
// binary's healthcheck included, does not use net/http.
func TestBinaryLinksNoNetHTTP(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for pkg := range strings.Lines(string(out)) {
		switch pkg = strings.TrimSpace(pkg); {
		case pkg == "net/http", pkg == "net/textproto", strings.HasPrefix(pkg, "net/http/"), strings.HasPrefix(pkg, "golang.org/x/net/http"):
			t.Errorf("cmd/httpserver depends on %s", pkg)
		}
	}
}
