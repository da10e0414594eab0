package main

import (
	"io"
	"log/slog"
	"net"
	"os"
	"time"
)

// upgradeResult is the outcome of a binary upgrade: the new process's pid
// once it is ready, or why it failed.
type upgradeResult struct {
	pid int
	err error
}

// startUpgrade hands the listeners to a new process of the binary, in the
// background: the file at os.Executable() (read again, so that a binary
// replaced in place is the new one), run with the same arguments and
// environment, given duplicates of lns and metrics (nil: none). The new
// process serves them and reports ready on a pipe; until then, and if it
// fails or takes longer than timeout, this process keeps serving. The
// result arrives on the returned channel.
// Closing abort kills the new process if it is not ready yet; the result
// still arrives.
func startUpgrade(lns []net.Listener, metrics net.Listener, args, environ []string, stdout, stderr io.Writer, timeout time.Duration, abort <-chan struct{}) <-chan upgradeResult {
	done := make(chan upgradeResult, 1)
	go func() {
		pid, err := handOver(lns, metrics, args, environ, stdout, stderr, timeout, abort)
		done <- upgradeResult{pid, err}
	}()
	return done
}

// handOver starts the new process and waits for it to be ready.
func handOver(lns []net.Listener, metrics net.Listener, args, environ []string, stdout, stderr io.Writer, timeout time.Duration, abort <-chan struct{}) (int, error) {
	o, e, err := stdFiles(stdout, stderr)
	if err != nil {
		return 0, err
	}
	exe, err := os.Executable()
	if err != nil {
		return 0, err
	}
	var files []handedFile
	defer func() {
		for _, hf := range files {
			hf.f.Close() // the child has its own copies
		}
	}()
	add := func(role string, ln net.Listener) error {
		f, err := listenerFile(ln)
		if err == nil {
			files = append(files, handedFile{role, f})
		}
		return err
	}
	for _, ln := range lns {
		if err := add(fdServe, ln); err != nil {
			return 0, err
		}
	}
	if metrics != nil {
		if err := add(fdMetrics, metrics); err != nil {
			return 0, err
		}
	}
	c, err := startChild(exe, os.Args[0], args, environ, files, -1, o, e, nil)
	if err != nil {
		return 0, err
	}
	if err := c.awaitReady(timeout, abort); err != nil {
		return 0, err
	}
	pid := c.proc.Pid
	c.proc.Release() // it outlives this process
	return pid, nil
}

// logUpgradeFailure is the one line logged when an upgrade fails.
func logUpgradeFailure(log *slog.Logger, err error) {
	log.Error("upgrade failed; still serving", "err", err.Error())
}
