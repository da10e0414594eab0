package interop

import (
	"bufio"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildBinary builds the real httpserver binary (cmd/httpserver of the
// main module, one directory up) into the test's temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "httpserver")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/httpserver")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/httpserver: %v\n%s", err, out)
	}
	return bin
}

// binaryProc is a running httpserver binary whose JSON logs (the server's
// on stderr, the access log on stdout) are collected record by record.
type binaryProc struct {
	cmd     *exec.Cmd
	read    chan struct{} // closed when stderr reached EOF
	mu      sync.Mutex
	records []map[string]any
	lines   []string
}

// startBinary runs bin with args and waits (up to 20 s) for its
// "listening" record; the process is killed when the test ends, unless
// stop ended it.
func startBinary(t *testing.T, bin string, args ...string) (*binaryProc, map[string]any) {
	t.Helper()
	p := &binaryProc{cmd: exec.Command(bin, args...), read: make(chan struct{})}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout = p.cmd.Stderr // the access log, on stdout, in the same stream
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	listening := make(chan map[string]any, 1)
	go func() {
		defer close(p.read)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var rec map[string]any
			json.Unmarshal(sc.Bytes(), &rec)
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.records = append(p.records, rec)
			p.mu.Unlock()
			if rec["msg"] == "listening" {
				select {
				case listening <- rec:
				default:
				}
			}
		}
	}()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			<-p.read
			p.cmd.Wait()
		}
	})
	select {
	case rec := <-listening:
		return p, rec
	case <-time.After(20 * time.Second):
		t.Fatalf("the binary did not announce its address; log:\n%s", p.log())
		return nil, nil
	}
}

// record returns the first log record whose msg is msg, or nil.
func (p *binaryProc) record(msg string) map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.records {
		if r["msg"] == msg {
			return r
		}
	}
	return nil
}

// matching returns the log records for which keep is true.
func (p *binaryProc) matching(keep func(map[string]any) bool) []map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []map[string]any
	for _, r := range p.records {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// log returns the output collected so far.
func (p *binaryProc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// stop sends SIGTERM and waits (up to 20 s) for the exit; it fails the
// test unless the binary exits 0.
func (p *binaryProc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.read:
	case <-time.After(20 * time.Second):
		t.Fatalf("the binary did not exit after SIGTERM; log:\n%s", p.log())
	}
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("exit: %v; log:\n%s", err, p.log())
	}
}
