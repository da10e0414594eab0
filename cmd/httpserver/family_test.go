package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// family is a binary started by a test together with the processes it
// starts (a new process on SIGUSR2, workers): all write to one stderr
// pipe, which reaches EOF only when the last of them has exited.
type family struct {
	exe   string
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
	more  chan struct{} // closed and replaced on each line
	eof   chan struct{} // closed when every process closed stderr
	first bool          // cmd was waited for
}

// startFamily runs the binary at exe with args and the extra environment.
func startFamily(t *testing.T, exe string, env []string, args ...string) *family {
	t.Helper()
	cmd := exec.Command(exe, args...)
	cmd.Env = append(cleanEnv(), env...)
	return startFamilyCmd(t, exe, cmd)
}

// startFamilyCmd runs cmd, which runs (or execs) the binary at exe.
func startFamilyCmd(t *testing.T, exe string, cmd *exec.Cmd) *family {
	t.Helper()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	f := &family{exe: exe, cmd: cmd, more: make(chan struct{}), eof: make(chan struct{})}
	go func() {
		defer close(f.eof)
		defer pr.Close()
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			f.mu.Lock()
			f.lines = append(f.lines, sc.Text())
			close(f.more)
			f.more = make(chan struct{})
			f.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		// Whatever still runs: every pid the log names that still runs
		// this binary, then the first.
		for _, pid := range f.pids() {
			if f.runsBinary(pid) {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		if !f.first {
			cmd.Process.Kill()
			cmd.Wait()
		}
		select {
		case <-f.eof:
		case <-time.After(wait):
			t.Errorf("a process of the family still holds stderr")
		}
	})
	return f
}

// String returns the log so far.
func (f *family) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.lines, "\n")
}

// await waits until the log has the n-th line (counting from 1) that
// contains every one of subs, and returns it.
func (f *family) await(t *testing.T, n int, subs ...string) string {
	t.Helper()
	deadline := time.After(wait)
	for {
		f.mu.Lock()
		more, seen := f.more, 0
		for _, line := range f.lines {
			if containsAll(line, subs) {
				if seen++; seen == n {
					f.mu.Unlock()
					return line
				}
			}
		}
		f.mu.Unlock()
		select {
		case <-more:
		case <-f.eof:
			t.Fatalf("log ended without %q (#%d):\n%s", subs, n, f)
		case <-deadline:
			t.Fatalf("log lacks %q (#%d):\n%s", subs, n, f)
		}
	}
}

// count returns how many lines contain every one of subs.
func (f *family) count(subs ...string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, line := range f.lines {
		if containsAll(line, subs) {
			n++
		}
	}
	return n
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// pids returns every pid named in a "pid" field of the log.
func (f *family) pids() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	var pids []int
	for _, line := range f.lines {
		var rec struct{ PID int }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.PID > 0 {
			pids = append(pids, rec.PID)
		}
	}
	return pids
}

// runsBinary reports whether process pid runs a binary from the
// directory of f's, so that no pid reused by another program is signalled.
func (f *family) runsBinary(pid int) bool {
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	return err == nil && filepath.Dir(exe) == filepath.Dir(f.exe)
}

// pidOf returns the "pid" field of a JSON log line.
func pidOf(t *testing.T, line string) int {
	t.Helper()
	var rec struct{ PID int }
	if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.PID <= 0 {
		t.Fatalf("no pid in %q", line)
	}
	return rec.PID
}

// waitFirst waits for the first process to exit and returns its status.
func (f *family) waitFirst(t *testing.T) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(wait):
		// SIGQUIT: the Go runtime writes every goroutine's stack to the
		// log and exits.
		f.cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-done:
		case <-time.After(wait):
			f.cmd.Process.Kill()
			<-done
		}
		t.Errorf("the first process did not exit; log:\n%s", f)
	}
	f.first = true
	return f.cmd.ProcessState.ExitCode()
}

// awaitEOF waits until every process of the family has exited (closed
// stderr).
func (f *family) awaitEOF(t *testing.T) {
	t.Helper()
	select {
	case <-f.eof:
	case <-time.After(wait):
		t.Fatalf("processes still running; log:\n%s", f)
	}
}

// stopPID sends SIGTERM to a process of the family that is not the
// test's child (a new process started on SIGUSR2).
func stopPID(t *testing.T, pid int) {
	t.Helper()
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		t.Fatal(err)
	}
}
