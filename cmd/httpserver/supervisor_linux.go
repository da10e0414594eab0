package main

import (
	"os"
	"syscall"
)

// workerExecutable is the binary a supervisor starts its workers from:
// its own, even when the file at its path has been replaced since (a new
// binary runs only after an upgrade, SIGUSR2, never mixed with the old).
func workerExecutable() string {
	if _, err := os.Stat("/proc/self/exe"); err == nil {
		return "/proc/self/exe"
	}
	exe, _ := os.Executable()
	return exe
}

// workerProcAttr puts a worker in its own process group, so that a
// terminal's Ctrl-C reaches only the supervisor (which passes it on
// once), and has the kernel send it SIGTERM should the supervisor die.
func workerProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
