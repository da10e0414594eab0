//go:build linux

package main

import (
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// inheritedListener returns a loopback listener's descriptor, to pass to
// the binary, and its address. The test's own copy is closed at once, so
// only the binary accepts on it.
func inheritedListener(t *testing.T) (*os.File, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ln.(*net.TCPListener).File()
	ln.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, ln.Addr().String()
}

// startActivated starts the binary as systemd would: files as descriptors
// 3, 4, ..., LISTEN_FDS set, and LISTEN_PID set to the binary's own PID by
// a shell that then execs it (the PID is known only once it runs), unless
// pid is given.
func startActivated(t *testing.T, files []*os.File, pid string, env []string, args ...string) *proc {
	t.Helper()
	if pid == "" {
		pid = "$$"
	}
	script := `LISTEN_PID=` + pid + ` exec "$0" "$@"`
	cmd := exec.Command("/bin/sh", append([]string{"-c", script, binary(t)}, args...)...)
	cmd.Env = append(cleanEnv(), env...)
	cmd.ExtraFiles = files
	return startCmd(t, cmd)
}

// busyAddr returns an address that cannot be listened on while the test
// runs: a server that listened on --addr instead of the inherited sockets
// would fail to start.
func busyAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String()
}

func TestBinarySocketActivation(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			f1, addr1 := inheritedListener(t)
			f2, addr2 := inheritedListener(t)
			p := startActivated(t, []*os.File{f1, f2}, "", []string{"LISTEN_FDS=2", "LISTEN_FDNAMES=a:b"},
				"--addr", busyAddr(t), "--engine", engine)
			if got := awaitAddr(t, p.addr, p); got != addr1 {
				t.Errorf("announced %s, want the first inherited socket %s", got, addr1)
			}
			checkEndpoints(t, addr1, testVersion)
			checkEndpoints(t, addr2, testVersion)
			if !strings.Contains(p.String(), `"addrs":["`+addr1+`","`+addr2+`"]`) {
				t.Errorf("log does not name both sockets:\n%s", p)
			}
			p.signal(t, syscall.SIGTERM)
			if code := p.wait(t); code != 0 {
				t.Errorf("exit %d; stderr:\n%s", code, p)
			}
		})
	}
}

// TestBinarySocketActivationOtherPID: variables meant for another process
// are ignored; the server listens on --addr.
func TestBinarySocketActivationOtherPID(t *testing.T) {
	f, inherited := inheritedListener(t)
	p := startActivated(t, []*os.File{f}, "1", []string{"LISTEN_FDS=1"}, "--addr", "127.0.0.1:0")
	addr := awaitAddr(t, p.addr, p)
	if addr == inherited {
		t.Fatalf("served the inherited socket %s although LISTEN_PID names another process", addr)
	}
	checkEndpoints(t, addr, testVersion)
	p.signal(t, syscall.SIGTERM)
	if code := p.wait(t); code != 0 {
		t.Errorf("exit %d; stderr:\n%s", code, p)
	}
}

func TestBinarySocketActivationBad(t *testing.T) {
	cases := []struct {
		name  string
		files int
		env   string
		want  string
	}{
		{"LISTEN_FDS not a number", 1, "LISTEN_FDS=one", `invalid LISTEN_FDS "one" (want 1 to 64)`},
		{"LISTEN_FDS zero", 1, "LISTEN_FDS=0", `invalid LISTEN_FDS "0" (want 1 to 64)`},
		{"descriptor not passed", 0, "LISTEN_FDS=1", `descriptor 3: `},
		{"not a socket", -1, "LISTEN_FDS=1", `descriptor 3: not a socket`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var files []*os.File
			switch {
			case tc.files > 0:
				f, _ := inheritedListener(t)
				files = append(files, f)
			case tc.files < 0:
				f, err := os.Open(os.DevNull)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				files = append(files, f)
			}
			p := startActivated(t, files, "", []string{tc.env}, "--addr", "127.0.0.1:0")
			if code := p.wait(t); code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			if log := p.String(); !strings.Contains(log, "httpserver: socket activation: ") || !strings.Contains(log, tc.want) {
				t.Errorf("log lacks %q:\n%s", tc.want, log)
			}
		})
	}
}

// TestBinarySystemdSocketActivate uses systemd's own implementation of the
// protocol, systemd-socket-activate (Debian's systemd package), where it is
// installed: it binds the socket, and execs the binary with it on the
// first connection.
func TestBinarySystemdSocketActivate(t *testing.T) {
	tool, err := exec.LookPath("systemd-socket-activate")
	if err != nil {
		t.Skip("systemd-socket-activate not installed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // free for the tool to bind; a race with another bind only fails the test
	cmd := exec.Command(tool, "-l", addr, binary(t), "--addr", busyAddr(t))
	cmd.Env = cleanEnv()
	p := startCmd(t, cmd)
	// The first connection waits in the backlog until the binary runs.
	for i := 0; i < 100; i++ {
		c, err := net.DialTimeout("tcp", addr, wait)
		if err == nil {
			c.Close()
			break
		}
		time.Sleep(20 * time.Millisecond) // the tool has not bound yet
	}
	if got := awaitAddr(t, p.addr, p); got != addr {
		t.Errorf("announced %s, want %s", got, addr)
	}
	if code, _, _ := get(t, newClient(t), "http://"+addr+"/health"); code != 200 {
		t.Errorf("GET /health: %d", code)
	}
	p.signal(t, syscall.SIGTERM)
	if code := p.wait(t); code != 0 {
		t.Errorf("exit %d; stderr:\n%s", code, p)
	}
}
