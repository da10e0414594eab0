package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
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
	if len(args) > 0 && args[0] == "healthcheck" {
		return healthcheck(args[1:], lookupIn(environ), stdout, stderr)
	}
	inh, environ, err := takeInherited(environ)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailed
	}
	defer inh.close()
	getenv := lookupIn(environ)
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
	level := new(slog.LevelVar)
	level.Set(cfg.LogLevel)
	log := cfg.NewLeveledLogger(stderr, level)
	if inh.isWorker() {
		log = log.With("worker", inh.worker)
	} else {
		warnUnknownEnv(environ, log)
	}
	if supervising(&cfg, inh) {
		return supervise(ctx, &cfg, args, environ, inh, stdout, stderr, log)
	}

	lns, activated, err := serveListeners(&cfg, inh, getenv, log)
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
	webSockets := new(websocket.Group) // the /api/ws connections, closed with 1001 on shutdown
	live := &liveHandler{start: time.Now(), shuttingDown: shuttingDown.Load, addr: lns[0].Addr(), stdout: stdout, log: log, level: level, webSockets: webSockets}
	g, err := live.newGeneration(&cfg, nil)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	live.cur.Store(g)
	defer live.closeCurrent() // after the shutdown: logs the drained requests
	srv := &httpserver.Server{Handler: live, Logger: log}
	cfg.Apply(srv)
	srv.Rejected = live.rejected
	certs, err := newCertStore(&cfg, log)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	defer certs.close()
	if certs != nil {
		srv.TLSConfig = certs.tlsConfig()
	}
	live.srv = srv
	observeServer(g.pipeline.Pipeline, srv)
	var inheritedMetrics net.Listener
	if inh != nil {
		inheritedMetrics, inh.metrics = inh.metrics, nil
	}
	metrics, err := startMetrics(&cfg, live.metrics, inheritedMetrics, log)
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
	ctl := make(chan os.Signal, 2)
	signal.Notify(ctl, syscall.SIGHUP, syscall.SIGUSR2)
	defer signal.Stop(ctl)
	stopReopen := reopenOnSIGUSR1(live, log)
	defer stopReopen()

	redirect, err := startRedirect(&cfg, live, lns[0].Addr(), log)
	if err != nil {
		fmt.Fprintf(stderr, "httpserver: cannot listen on %q (redirect-addr): %v\n", cfg.RedirectAddr, err)
		return exitFailed
	}
	defer redirect.stop()
	log.Info("listening", "addr", lns[0].Addr().String(), "version", buildVersion(), "demo", cfg.Demo, "root", cfg.Root, "config", cfg.File, "tls", cfg.TLS())
	if activated {
		log.Info("serving the sockets passed by socket activation", "addrs", listenerAddrs(lns))
	}
	sv := serveAll(srv, lns)
	inh.signalReady()

	var (
		reason   string
		replaced bool // by a new process, which serves the listeners now
		upgrade  <-chan upgradeResult
		abort    = make(chan struct{})
	)
loop:
	for {
		select {
		case err := <-sv.first:
			log.Error("serve failed", "err", err)
			srv.Close()
			<-sv.all
			endUpgrade(upgrade, abort, log)
			return exitFailed
		case <-ctx.Done():
			reason = "context done"
			break loop
		case sig := <-sigs:
			reason = sig.String()
			break loop
		case sig := <-ctl:
			switch {
			case sig == syscall.SIGHUP:
				live.reload(args, environ)
				certs.reload(live.current().CertFiles(), "SIGHUP")
			case inh.isWorker():
				// The supervisor has started this worker's replacement.
				reason, replaced = "replaced by the supervisor", true
				break loop
			case upgrade != nil:
				log.Warn("upgrade already in progress; SIGUSR2 ignored")
			default:
				log.Info("upgrade: starting a new process")
				upgrade = startUpgrade(lns, metrics.listener(), args, environ, stdout, stderr, live.current().UpgradeTimeout, abort)
			}
		case res := <-upgrade:
			upgrade = nil
			if res.err != nil {
				logUpgradeFailure(log, res.err)
				continue
			}
			log.Info("upgrade: the new process serves; stopping accepting and draining", "pid", res.pid)
			reason, replaced = "upgraded", true
			break loop
		}
	}
	endUpgrade(upgrade, abort, log)
	if !replaced {
		// A replaced process leaves /health alone and skips the delay:
		// the service goes on in the new process.
		shuttingDown.Store(true)
		if !drain(live.current().ShutdownDelay, sigs, log) {
			srv.Close()
			<-sv.all
			return exitFailed
		}
	}
	grace := live.current().ShutdownTimeout
	log.Info("shutting down", "reason", reason, "grace", grace.String())
	return shutdown(srv, webSockets, grace, sv.all, sigs, log)
}

// endUpgrade ends an upgrade still waiting for its new process (upgrade
// not nil) as this process stops: the new process is killed unless it is
// ready already, in which case it serves on.
func endUpgrade(upgrade <-chan upgradeResult, abort chan struct{}, log *slog.Logger) {
	close(abort)
	if upgrade == nil {
		return
	}
	if res := <-upgrade; res.err == nil {
		log.Info("upgrade: the new process became ready as this one stops; it serves on", "pid", res.pid)
	}
}

// serving tracks the Serve calls of one server on its listeners.
type serving struct {
	first chan error    // the first Serve to return
	all   chan struct{} // closed when every Serve has returned
}

// serveAll serves each listener on its own goroutine.
func serveAll(srv *httpserver.Server, lns []net.Listener) *serving {
	sv := &serving{first: make(chan error, 1), all: make(chan struct{})}
	var wg sync.WaitGroup
	for _, ln := range lns {
		wg.Go(func() {
			err := serveOn(srv, ln)
			select {
			case sv.first <- err:
			default:
			}
		})
	}
	go func() {
		wg.Wait()
		close(sv.all)
	}()
	return sv
}

// serveOn serves ln: HTTPS when the server has a TLS configuration.
func serveOn(srv *httpserver.Server, ln net.Listener) error {
	if srv.TLSConfig != nil {
		return srv.ServeTLS(ln, "", "")
	}
	return srv.Serve(ln)
}

// serveListeners returns the listeners handed over by the previous
// process (SIGUSR2) or the supervisor, else those of systemd socket
// activation, else one new listener on cfg.Addr (see listen); activated
// tells the second case.
func serveListeners(cfg *config.Config, inh *inherited, getenv func(string) string, log *slog.Logger) ([]net.Listener, bool, error) {
	if inh != nil && len(inh.serve) > 0 {
		lns := inh.serve
		inh.serve = nil
		if !inh.isWorker() && cfg.Workers > 1 {
			log.Warn("workers: the new process serves alone, as the old one did; changing the number of workers needs a restart", "workers", cfg.Workers)
		}
		return lns, false, nil
	}
	return listen(cfg.Addr, getenv)
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
func shutdown(srv *httpserver.Server, webSockets *websocket.Group, grace time.Duration, served <-chan struct{}, sigs <-chan os.Signal, log *slog.Logger) int {
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
		<-served
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
