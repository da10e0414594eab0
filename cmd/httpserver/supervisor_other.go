//go:build !linux

package main

import (
	"os"
	"syscall"
)

// workerExecutable is the binary a supervisor starts its workers from.
func workerExecutable() string {
	exe, _ := os.Executable()
	return exe
}

// workerProcAttr puts a worker in its own process group, so that a
// terminal's Ctrl-C reaches only the supervisor (which passes it on once).
func workerProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
