package main

import (
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
)

// TestUpgradeSocketActivated: a server given its sockets by socket
// activation hands all of them to the new process on SIGUSR2.
func TestUpgradeSocketActivated(t *testing.T) {
	f1, addr1 := inheritedListener(t)
	f2, addr2 := inheritedListener(t)
	cmd := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ exec "$0" "$@"`, binary(t), "--addr", busyAddr(t))
	cmd.Env = append(cleanEnv(), "LISTEN_FDS=2")
	cmd.ExtraFiles = []*os.File{f1, f2}
	f := startFamilyCmd(t, binary(t), cmd)
	f.await(t, 1, `"msg":"serving the sockets passed by socket activation"`)
	f1.Close() // the server has its own copies now
	f2.Close()
	f.cmd.Process.Signal(syscall.SIGUSR2)
	newPID := pidOf(t, f.await(t, 1, `"msg":"upgrade: the new process serves`))
	if code := f.waitFirst(t); code != 0 {
		t.Errorf("old process: status %d, want 0", code)
	}
	cl := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: wait}
	for _, addr := range []string{addr1, addr2} {
		if code, _, _ := get(t, cl, "http://"+addr+"/health"); code != 200 {
			t.Errorf("%s after the upgrade: %d", addr, code)
		}
	}
	stopPID(t, newPID)
	f.awaitEOF(t)
}
