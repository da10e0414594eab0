package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rawsock/httpserver/internal/config"
	"golang.org/x/sys/unix"
)

// Restart back-off of a worker that exits unexpectedly: at once after a
// stable run, else doubling from restartMin up to restartMax while it
// keeps exiting within stableRun of its start.
const (
	restartMin = 100 * time.Millisecond
	restartMax = 10 * time.Second
	stableRun  = 10 * time.Second
)

// killMargin is added to the shutdown delay and timeout before the
// supervisor kills the workers still running.
const killMargin = 5 * time.Second

// supervising reports whether this process supervises workers instead of
// serving: --workers is 2 or more, or a previous supervisor handed over
// its workers' sockets. A worker, or a process given listeners to serve,
// serves.
func supervising(cfg *config.Config, inh *inherited) bool {
	if inh != nil && len(inh.serve) > 0 {
		return false
	}
	return cfg.Workers > 1 || inh != nil && len(inh.sockets) > 0
}

// worker is one worker process of the supervisor.
type worker struct {
	index    int
	proc     *os.Process
	started  time.Time
	delay    time.Duration // the back-off before its next restart
	running  bool
	retiring bool // told to stop; not restarted
}

// workerExit reports the end of a worker's process.
type workerExit struct {
	w     *worker
	proc  *os.Process
	state *os.ProcessState
}

// supervisor runs the workers: one process per socket, all serving the
// same port through SO_REUSEPORT. It serves nothing itself; it holds the
// sockets, so that a worker's restart loses no connection waiting in its
// socket's queue.
type supervisor struct {
	cfg     *config.Config
	args    []string
	environ []string
	stdout  *os.File
	stderr  *os.File
	log     *slog.Logger
	sockets []*os.File
	workers []*worker

	exits   chan workerExit
	restart chan int // a worker index whose back-off is over
	ready   chan int // a worker index that reported ready
}

// supervise runs cfg.Workers workers (or one per socket handed over by the
// previous supervisor) until ctx is done or SIGINT/SIGTERM arrives, then
// stops them gracefully, and returns the exit status. SIGHUP and SIGUSR1
// are passed on to the workers; SIGUSR2 hands the sockets to a new
// supervisor, which starts new workers, and then drains the old ones.
func supervise(ctx context.Context, cfg *config.Config, args, environ []string, inh *inherited, stdout, stderr io.Writer, log *slog.Logger) int {
	o, e, err := stdFiles(stdout, stderr)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailed
	}
	s := &supervisor{cfg: cfg, args: args, environ: environ, stdout: o, stderr: e, log: log}
	var addr string
	if inh != nil && len(inh.sockets) > 0 {
		s.sockets, inh.sockets = inh.sockets, nil
		addr = socketAddr(s.sockets[0])
		if cfg.Workers != len(s.sockets) {
			log.Warn("workers: the new supervisor runs as many workers as the old one; changing the number needs a restart", "workers", len(s.sockets), "configured", cfg.Workers)
		}
	} else {
		s.sockets, addr, err = reusePortSockets(cfg.Addr, cfg.Workers)
		if err != nil {
			fmt.Fprintf(stderr, "httpserver: cannot listen on %q: %v\n", cfg.Addr, err)
			return exitFailed
		}
	}
	defer func() {
		for _, f := range s.sockets {
			f.Close()
		}
	}()
	n := len(s.sockets)
	s.exits = make(chan workerExit, 2*n)
	s.restart = make(chan int, n)
	s.ready = make(chan int, 2*n)

	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	ctl := make(chan os.Signal, 4)
	signal.Notify(ctl, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2)
	defer signal.Stop(ctl)

	log.Info("supervising", "addr", addr, "workers", n, "version", buildVersion(), "pid", os.Getpid())
	for i := range n {
		s.workers = append(s.workers, &worker{index: i})
		s.start(s.workers[i])
	}
	return s.loop(ctx, inh, sigs, ctl)
}

// loop handles the workers' events and the signals until every worker has
// stopped after a shutdown or an upgrade.
func (s *supervisor) loop(ctx context.Context, inh *inherited, sigs, ctl <-chan os.Signal) int {
	var (
		wasReady   = make([]bool, len(s.workers))
		readyCount int
		stopping   bool
		failed     bool
		kill       <-chan time.Time
		upgrade    <-chan upgradeResult
		abort      = make(chan struct{})
		done       = ctx.Done()
	)
	defer func() { endUpgrade(upgrade, abort, s.log) }()
	stop := func(sig syscall.Signal, reason string) {
		if !stopping {
			s.log.Info("stopping the workers", "reason", reason)
			if grace := s.cfg.ShutdownTimeout; grace > 0 {
				kill = time.After(s.cfg.ShutdownDelay + grace + killMargin)
			}
		}
		stopping = true
		// The workers' copies keep the sockets open while they drain;
		// once the last closes, connections are refused, as without
		// workers, instead of queueing for a supervisor that is leaving.
		for _, f := range s.sockets {
			f.Close()
		}
		s.sockets = nil
		for _, w := range s.workers {
			w.retiring = true
			s.signal(w, sig)
		}
	}
	for {
		if stopping && s.running() == 0 {
			if failed {
				return exitFailed
			}
			s.log.Info("stopped")
			return exitOK
		}
		select {
		case ex := <-s.exits:
			if s.exited(ex, stopping) {
				failed = true
			}
		case i := <-s.restart:
			if w := s.workers[i]; !stopping && !w.running {
				s.start(w)
			}
		case i := <-s.ready:
			if wasReady[i] {
				continue
			}
			wasReady[i] = true
			if readyCount++; readyCount == len(s.workers) {
				s.log.Info("all workers ready", "workers", readyCount)
				inh.signalReady()
			}
		case <-done:
			done = nil
			stop(syscall.SIGTERM, "context done")
		case sig := <-sigs:
			// A second signal reaches the workers too: they exit at once.
			stop(sig.(syscall.Signal), sig.String())
		case sig := <-ctl:
			switch {
			case stopping:
			case sig == syscall.SIGHUP:
				s.reload()
			case sig == syscall.SIGUSR1:
				s.signalAll(syscall.SIGUSR1)
			case upgrade != nil:
				s.log.Warn("upgrade already in progress; SIGUSR2 ignored")
			default:
				s.log.Info("upgrade: starting a new supervisor")
				upgrade = s.startUpgrade(abort)
			}
		case res := <-upgrade:
			upgrade = nil
			if res.err != nil {
				logUpgradeFailure(s.log, res.err)
				continue
			}
			s.log.Info("upgrade: the new supervisor's workers serve; draining the old workers", "pid", res.pid)
			// A worker takes SIGUSR2 as its replacement being ready:
			// it drains without the shutdown delay.
			stop(syscall.SIGUSR2, "upgraded")
		case <-kill:
			kill = nil
			failed = true
			for _, w := range s.workers {
				if w.running {
					s.log.Warn("worker did not stop in time; killing it", "worker", w.index, "pid", w.proc.Pid)
					w.proc.Kill()
				}
			}
		}
	}
}

// start starts w's process on its socket.
func (s *supervisor) start(w *worker) {
	exe := workerExecutable()
	// os.Args[0] names it in ps, rather than /proc/self/exe.
	c, err := startChild(exe, os.Args[0], s.args, s.environ, []handedFile{{fdServe, s.sockets[w.index]}}, w.index, s.stdout, s.stderr, workerProcAttr())
	if err != nil {
		w.delay = min(max(2*w.delay, restartMin), restartMax)
		s.log.Error("cannot start worker; trying again", "worker", w.index, "err", err.Error(), "delay", w.delay.String())
		s.scheduleRestart(w)
		return
	}
	w.proc, w.started, w.running = c.proc, time.Now(), true
	s.log.Info("worker started", "worker", w.index, "pid", c.proc.Pid)
	go func() {
		if <-c.ready == nil {
			select {
			case s.ready <- w.index:
			default:
			}
		}
	}()
	go func() {
		state, err := c.proc.Wait()
		if err != nil {
			s.log.Error("cannot wait for worker", "worker", w.index, "err", err.Error())
		}
		s.exits <- workerExit{w, c.proc, state}
	}()
}

// exited handles the end of a worker's process; it reports whether the
// worker failed.
func (s *supervisor) exited(ex workerExit, stopping bool) (failed bool) {
	w := ex.w
	if w.proc != ex.proc {
		return false
	}
	w.running = false
	code, status := -1, "unknown"
	if ex.state != nil {
		code, status = ex.state.ExitCode(), ex.state.String()
	}
	if stopping || w.retiring {
		s.log.Info("worker stopped", "worker", w.index, "pid", ex.proc.Pid, "status", code)
		return code != 0
	}
	if time.Since(w.started) >= stableRun {
		w.delay = 0
	} else {
		w.delay = min(max(2*w.delay, restartMin), restartMax)
	}
	s.log.Warn("worker exited; restarting it", "worker", w.index, "pid", ex.proc.Pid, "status", status, "delay", w.delay.String())
	s.scheduleRestart(w)
	return false
}

// scheduleRestart starts w again after its back-off.
func (s *supervisor) scheduleRestart(w *worker) {
	if w.delay == 0 {
		s.restart <- w.index
		return
	}
	time.AfterFunc(w.delay, func() { s.restart <- w.index })
}

// running counts the worker processes still running.
func (s *supervisor) running() int {
	n := 0
	for _, w := range s.workers {
		if w.running {
			n++
		}
	}
	return n
}

func (s *supervisor) signal(w *worker, sig syscall.Signal) {
	if w.running {
		w.proc.Signal(sig)
	}
}

func (s *supervisor) signalAll(sig syscall.Signal) {
	for _, w := range s.workers {
		s.signal(w, sig)
	}
}

// reload checks the configuration and, if it is valid, has every worker
// reload it; an invalid one is refused here with one line.
func (s *supervisor) reload() {
	cfg, err := config.Load(s.args, lookupIn(s.environ))
	if err != nil {
		s.log.Error("reload refused; the configuration in force stays", "err", err.Error())
		return
	}
	if cfg.Workers != s.cfg.Workers {
		s.log.Warn("reload: these settings need a restart and keep their values", "settings", []string{"workers"})
	}
	cfg.Workers = s.cfg.Workers
	s.cfg = &cfg
	s.signalAll(syscall.SIGHUP)
}

// startUpgrade hands the sockets to a new supervisor, in the background.
func (s *supervisor) startUpgrade(abort <-chan struct{}) <-chan upgradeResult {
	done := make(chan upgradeResult, 1)
	files := make([]handedFile, len(s.sockets))
	for i, f := range s.sockets {
		files[i] = handedFile{fdSocket, f}
	}
	go func() {
		exe, err := os.Executable()
		if err != nil {
			done <- upgradeResult{err: err}
			return
		}
		c, err := startChild(exe, os.Args[0], s.args, s.environ, files, -1, s.stdout, s.stderr, nil)
		if err == nil {
			err = c.awaitReady(s.cfg.UpgradeTimeout, abort)
		}
		if err != nil {
			done <- upgradeResult{err: err}
			return
		}
		pid := c.proc.Pid
		c.proc.Release()
		done <- upgradeResult{pid: pid}
	}()
	return done
}

// reusePortSockets opens n listening sockets on addr with SO_REUSEPORT,
// the kernel spreading new connections across them, and returns them as
// files with the bound address. A port already in use fails, as without
// workers: a plain listener is tried first (it also picks the port for
// ":0").
func reusePortSockets(addr string, n int) ([]*os.File, string, error) {
	probe, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	host, _, _ := net.SplitHostPort(addr)
	_, port, _ := net.SplitHostPort(probe.Addr().String())
	probe.Close()
	bind := net.JoinHostPort(host, port)
	lc := net.ListenConfig{Control: func(network, address string, c syscall.RawConn) error {
		var opErr error
		err := c.Control(func(fd uintptr) {
			opErr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		})
		if err != nil {
			return err
		}
		return opErr
	}}
	files := make([]*os.File, 0, n)
	fail := func(err error) ([]*os.File, string, error) {
		for _, f := range files {
			f.Close()
		}
		return nil, "", err
	}
	var bound string
	for range n {
		ln, err := lc.Listen(context.Background(), "tcp", bind)
		if err != nil {
			return fail(err)
		}
		bound = ln.Addr().String()
		f, err := listenerFile(ln)
		ln.Close() // f holds the socket
		if err != nil {
			return fail(err)
		}
		files = append(files, f)
	}
	return files, bound, nil
}

// socketAddr returns the local address of the socket f, for the log.
func socketAddr(f *os.File) string {
	ln, err := net.FileListener(f)
	if err != nil {
		return ""
	}
	defer ln.Close()
	return ln.Addr().String()
}
