package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/config"
	"github.com/rawsock/httpserver/websocket"
)

// Exit statuses of the binary.
const (
	exitOK     = 0
	exitFailed = 1 // could not listen, serve failed, grace period exceeded, second signal
	exitUsage  = 2 // bad flag, environment variable or configuration file
)

// run is the whole program, callable from tests: it reads its
// configuration from args and environ ("NAME=value" entries, as from
// os.Environ), serves until ctx is done or SIGINT/SIGTERM arrives, then
// shuts down gracefully, and returns the exit status.
func run(ctx context.Context, args, environ []string, stdout, stderr io.Writer) int {
	getenv := lookupIn(environ)
	if len(args) > 0 && args[0] == "healthcheck" {
		return healthcheck(args[1:], getenv, stdout, stderr)
	}
	cfg, err := config.Load(args, getenv)
	switch {
	case errors.Is(err, config.ErrHelp):
		config.Usage(stdout)
		return exitOK
	case err != nil:
		fmt.Fprintln(stderr, err)
		return exitUsage
	case cfg.Version:
		fmt.Fprintf(stdout, "httpserver %s\n", buildVersion())
		return exitOK
	case cfg.CheckConfig:
		return checkConfig(&cfg, environ, stdout, stderr)
	}
	log := cfg.NewLogger(stderr)
	warnUnknownEnv(environ, log)

	lns, activated, err := listen(cfg.Addr, getenv)
	if err != nil {
		// One plain line, as every other start-up error.
		if activated {
			fmt.Fprintln(stderr, err)
		} else {
			fmt.Fprintf(stderr, "httpserver: cannot listen on %q: %v\n", cfg.Addr, err)
		}
		return exitFailed
	}
	defer closeListeners(lns) // on the early returns; Serve closes them otherwise

	var shuttingDown atomic.Bool
	webSockets := new(websocket.Group)
	handler, closers, err := buildHandler(&cfg, time.Now(), shuttingDown.Load, lns[0].Addr(), webSockets)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	defer closeAll(closers)
	handler, pipeline, err := withPipeline(&cfg, handler, stdout, log)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	defer pipeline.Close() // after the shutdown: logs the drained requests
	srv := &httpserver.Server{Handler: handler, Logger: log}
	cfg.Apply(srv)
	observeServer(pipeline, srv)
	metrics, err := startMetrics(&cfg, pipeline.Metrics, log)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailed
	}
	defer metrics.stop(log) // after the server's shutdown, before the access log's flush

	// Register for signals before announcing the address, so that a
	// supervisor reacting to the announcement cannot kill us by surprise.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	stopReopen := reopenOnSIGUSR1(pipeline, &cfg, log)
	defer stopReopen()

	log.Info("listening", "addr", lns[0].Addr().String(), "version", buildVersion(), "demo", cfg.Demo, "root", cfg.Root, "config", cfg.File)
	if activated {
		log.Info("serving the sockets passed by socket activation", "addrs", listenerAddrs(lns))
	}
	served := make(chan error, len(lns))
	for _, ln := range lns {
		go func() { served <- srv.Serve(ln) }()
	}

	var reason string
	select {
	case err := <-served:
		log.Error("serve failed", "err", err)
		srv.Close()
		return exitFailed
	case <-ctx.Done():
		reason = "context done"
	case sig := <-sigs:
		reason = sig.String()
	}
	shuttingDown.Store(true)
	if !drain(cfg.ShutdownDelay, sigs, log) {
		srv.Close()
		return exitFailed
	}
	log.Info("shutting down", "reason", reason, "grace", cfg.ShutdownTimeout.String())
	return shutdown(srv, webSockets, cfg.ShutdownTimeout, served, sigs, log)
}

// drain keeps serving for delay, with /health and /health/ready already
// failing, so that load balancers stop sending traffic before the listener
// closes. A signal meanwhile cuts it short; drain then reports false.
func drain(delay time.Duration, sigs <-chan os.Signal, log *slog.Logger) bool {
	if delay <= 0 {
		return true
	}
	log.Info("draining: /health and /health/ready fail, still serving", "delay", delay.String())
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case sig := <-sigs:
		log.Warn("second signal; exiting now", "signal", sig.String())
		return false
	}
}

// shutdown stops srv gracefully within grace (zero: no limit); a signal on
// sigs meanwhile closes every connection at once.
func shutdown(srv *httpserver.Server, webSockets *websocket.Group, grace time.Duration, served <-chan error, sigs <-chan os.Signal, log *slog.Logger) int {
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if grace > 0 {
		ctx, cancel = context.WithTimeout(ctx, grace)
	}
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- shutdownWithWebSockets(ctx, srv, webSockets) }()
	select {
	case err := <-done:
		<-served
		if err != nil {
			log.Warn("grace period over; closed the remaining connections", "err", err)
			return exitFailed
		}
		log.Info("stopped")
		return exitOK
	case sig := <-sigs:
		log.Warn("second signal; exiting now", "signal", sig.String())
		srv.Close()
		return exitFailed
	}
}

// lookupIn returns a getenv func over environ; the first entry for a name
// wins, as with os.Getenv.
func lookupIn(environ []string) func(string) string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			if _, dup := m[k]; !dup {
				m[k] = v
			}
		}
	}
	return func(k string) string { return m[k] }
}

// warnUnknownEnv logs each HTTPSERVER_* variable that sets nothing, a
// likely typo that would otherwise go unnoticed.
func warnUnknownEnv(environ []string, log *slog.Logger) {
	names, hints := config.UnknownEnv(environ)
	for i, name := range names {
		if hints[i] != "" {
			log.Warn("unknown environment variable, ignored", "name", name, "did_you_mean", hints[i])
		} else {
			log.Warn("unknown environment variable, ignored", "name", name)
		}
	}
}
