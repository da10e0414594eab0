package harness

import (
	"os"
	"os/signal"
	"syscall"
)

// NotifyStop returns a channel that receives SIGINT and SIGTERM, the
// signals on which a benchmark server stops cleanly.
func NotifyStop() <-chan os.Signal {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM, syscall.SIGINT)
	return c
}

// OnSIGUSR1 calls f, in a goroutine of its own, at every SIGUSR1: the
// idle clients (idleconns -gc, wsidle) send it to ask the server to
// collect its garbage before they read its resident memory.
func OnSIGUSR1(f func()) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR1)
	go func() {
		for range c {
			f()
		}
	}()
}
