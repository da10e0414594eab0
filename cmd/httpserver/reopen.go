package main

import (
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// reopenOnSIGUSR1 reopens the access log file each time SIGUSR1 arrives,
// as logrotate's postrotate step asks (`kill -USR1`), until the returned
// func is called; that func returns once the watcher has stopped. SIGUSR1
// no longer terminates the process, even with the access log on stdout,
// where there is nothing to reopen.
func reopenOnSIGUSR1(live *liveHandler, log *slog.Logger) (stop func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1)
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-sigs:
				g := live.cur.Load()
				file := g.cfg.Middleware.AccessLogFile
				if g.cfg.Middleware.NoAccessLog {
					file = ""
				}
				switch err := g.pipeline.Reopen(); {
				case file == "":
					log.Info("SIGUSR1: the access log has no file to reopen")
				case err != nil:
					log.Error("cannot reopen the access log; still writing to the old file", "file", file, "err", err)
				default:
					log.Info("reopened the access log", "file", file)
				}
			case <-quit:
				return
			}
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(quit)
		<-done
	}
}
