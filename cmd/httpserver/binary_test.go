package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// testVersion is stamped into the binary built for these tests.
const testVersion = "v0.0.0-test"

var (
	binDir   string // removed by TestMain
	binPath  string
	binErr   error
	buildBin sync.Once
)

// binary builds the real httpserver binary once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildBin.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "httpserver-bin-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "httpserver")
		cmd := exec.Command("go", "build", "-ldflags", "-X main.version="+testVersion, "-o", binPath, ".")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = errors.New("go build: " + err.Error() + "\n" + string(out))
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// cleanEnv returns this process's environment without HTTPSERVER_*
// variables, which would change the binary's configuration.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HTTPSERVER_") {
			env = append(env, kv)
		}
	}
	return env
}

// proc is a running httpserver binary.
type proc struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	lines  []string
	addr   chan string
	read   chan struct{} // closed when stderr reached EOF
	exited bool
	code   int
}

// start runs the binary with args and the extra environment, collecting
// its stderr.
func start(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(cleanEnv(), env...)
	return startCmd(t, cmd)
}

// startCmd starts cmd, which runs the binary, collecting its stderr.
func startCmd(t *testing.T, cmd *exec.Cmd) *proc {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, addr: make(chan string, 1), read: make(chan struct{})}
	go func() {
		defer close(p.read)
		sc := bufio.NewScanner(stderr)
		found := false
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.lines = append(p.lines, line)
			p.mu.Unlock()
			if a := listeningAddr(line); a != "" && !found {
				found = true
				p.addr <- a
			}
		}
	}()
	t.Cleanup(func() {
		if !p.exited {
			cmd.Process.Kill()
			p.wait(t)
		}
	})
	return p
}

// String returns the stderr collected so far.
func (p *proc) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// signal sends sig to the process.
func (p *proc) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// wait waits for the process to exit and returns its status.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	if p.exited {
		return p.code
	}
	done := make(chan error, 1)
	go func() {
		<-p.read
		done <- p.cmd.Wait()
	}()
	select {
	case <-done:
	case <-time.After(wait):
		p.cmd.Process.Kill()
		<-done
		t.Errorf("httpserver did not exit; stderr:\n%s", p)
	}
	p.exited = true
	p.code = p.cmd.ProcessState.ExitCode()
	return p.code
}

func TestBinaryServesAndStopsOnSIGTERM(t *testing.T) {
	p := start(t, nil, "--addr", "127.0.0.1:0")
	addr := awaitAddr(t, p.addr, p)
	checkEndpoints(t, addr, testVersion)
	p.signal(t, syscall.SIGTERM)
	if code := p.wait(t); code != 0 {
		t.Errorf("exit status %d, want 0; stderr:\n%s", code, p)
	}
	if log := p.String(); !strings.Contains(log, `"reason":"terminated"`) || !strings.Contains(log, `"msg":"stopped"`) {
		t.Errorf("stderr lacks the shutdown records:\n%s", log)
	}
}

func TestBinarySIGINT(t *testing.T) {
	p := start(t, []string{"HTTPSERVER_ADDR=127.0.0.1:0", "HTTPSERVER_LOG_FORMAT=text"}, "--log-format=json")
	awaitAddr(t, p.addr, p)
	p.signal(t, syscall.SIGINT)
	if code := p.wait(t); code != 0 {
		t.Errorf("exit status %d, want 0; stderr:\n%s", code, p)
	}
}

func TestBinaryVersion(t *testing.T) {
	out, err := exec.Command(binary(t), "--version").Output()
	if err != nil || string(out) != "httpserver "+testVersion+"\n" {
		t.Errorf("--version: %q %v", out, err)
	}
}

func TestBinaryBadConfigExits2(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("addr: :0\nread_timeout: 3x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	unknown := filepath.Join(t.TempDir(), "unknown.yaml")
	if err := os.WriteFile(unknown, []byte("adress: :0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"bad flag value", nil, []string{"--max-conns", "abc"}, `httpserver: flag --max-conns: invalid value "abc"`},
		{"unknown flag", nil, []string{"--max-connections=5"}, `httpserver: flag --max-connections: unknown flag`},
		{"positional", nil, []string{"--addr", ":0", "extra"}, `httpserver: unexpected argument "extra" (flags come first, as --name=value)`},
		{"bad env", []string{"HTTPSERVER_DEMO=perhaps"}, nil, `httpserver: env HTTPSERVER_DEMO: invalid boolean "perhaps" (want true or false)`},
		{"bad yaml value", nil, []string{"--config", bad}, `httpserver: config: read_timeout: invalid duration "3x" (` + bad + ` line 2)`},
		{"unknown yaml key", []string{"HTTPSERVER_CONFIG=" + unknown}, nil, `httpserver: config: unknown key "adress" (` + unknown + ` line 1)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(binary(t), tc.args...)
			cmd.Env = append(cleanEnv(), tc.env...)
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 2 {
				t.Errorf("exit: %v, want status 2", err)
			}
			if got := stderr.String(); got != tc.want+"\n" {
				t.Errorf("stderr %q\nwant   %q", got, tc.want+"\n")
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
		})
	}
}

func TestBinaryGracefulShutdown(t *testing.T) {
	p := start(t, nil, "--addr=127.0.0.1:0", "--shutdown-timeout=10s")
	addr := awaitAddr(t, p.addr, p)
	c, br := startSlowEcho(t, addr)
	p.signal(t, syscall.SIGTERM)
	awaitListenerClosed(t, addr)
	finishSlowEcho(t, c, br)
	if code := p.wait(t); code != 0 {
		t.Errorf("exit status %d, want 0; stderr:\n%s", code, p)
	}
}

func TestBinarySecondSignalExitsAtOnce(t *testing.T) {
	p := start(t, nil, "--addr=127.0.0.1:0", "--shutdown-timeout=0") // no grace limit
	addr := awaitAddr(t, p.addr, p)
	_, br := startSlowEcho(t, addr) // never finished
	p.signal(t, syscall.SIGTERM)
	awaitListenerClosed(t, addr)
	p.signal(t, syscall.SIGTERM)
	if code := p.wait(t); code != 1 {
		t.Errorf("exit status %d, want 1; stderr:\n%s", code, p)
	}
	awaitClosed(t, br)
	if !strings.Contains(p.String(), "second signal") {
		t.Errorf("stderr lacks the second-signal record:\n%s", p)
	}
}

func TestBinaryExampleConfig(t *testing.T) {
	p := start(t, nil, "--config", "testdata/example.yaml", "--addr", "127.0.0.1:0")
	addr := awaitAddr(t, p.addr, p)
	c := newClient(t)
	base := "http://" + addr
	code, hdr, body := get(t, c, base+"/assets/")
	if code != 200 || !strings.Contains(body, "Served from testdata/public.") || hdr.Get("Cache-Control") != "public, max-age=3600" {
		t.Errorf("GET /assets/: %d %q %q", code, hdr.Get("Cache-Control"), body)
	}
	if code, _, body := get(t, c, base+"/assets/site.css"); code != 200 || body != "body { margin: 0 }\n" {
		t.Errorf("GET /assets/site.css: %d %q", code, body)
	}
	if code, _, body := get(t, c, base+"/"); code != 200 || !strings.Contains(body, "It works.") {
		t.Errorf("GET /: %d %.40q", code, body)
	}
	p.signal(t, syscall.SIGTERM)
	if code := p.wait(t); code != 0 {
		t.Errorf("exit status %d; stderr:\n%s", code, p)
	}
}

// TestBinaryWarnsUnknownEnv: a misspelt HTTPSERVER_* variable in the real
// environment is warned about, with the name it resembles; the server
// still starts.
func TestBinaryWarnsUnknownEnv(t *testing.T) {
	p := start(t, []string{"HTTPSERVER_RAET_LIMIT=5", "HTTPSERVER_SHUTDOWN_TIMEOUT=5s"}, "--addr", "127.0.0.1:0")
	awaitAddr(t, p.addr, p)
	p.signal(t, syscall.SIGTERM)
	if code := p.wait(t); code != 0 {
		t.Errorf("exit status %d, want 0; stderr:\n%s", code, p)
	}
	log := p.String()
	if !strings.Contains(log, `"level":"WARN","msg":"unknown environment variable, ignored","name":"HTTPSERVER_RAET_LIMIT","did_you_mean":"HTTPSERVER_RATE_LIMIT"}`) {
		t.Errorf("stderr lacks the warning:\n%s", log)
	}
	if strings.Contains(log, "HTTPSERVER_SHUTDOWN_TIMEOUT") {
		t.Errorf("a known variable was warned about:\n%s", log)
	}
}
