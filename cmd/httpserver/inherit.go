package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A process hands descriptors to a child it starts (a binary upgrade on
// SIGUSR2, or a supervisor's worker) as descriptors 3, 4, ... (exec.Cmd's
// ExtraFiles), described by these environment variables. The child takes
// them only when envInheritPID names its parent, and removes the variables
// from the environment it passes on.
const (
	// envInheritPrefix begins every variable of the hand-over.
	envInheritPrefix = "HTTPSERVER_INHERIT_"
	// envInheritPID is the pid of the process that passed the
	// descriptors.
	envInheritPID = envInheritPrefix + "PID"
	// envInheritFDs names the role of descriptors 3, 4, ... in order,
	// separated by ':' (as systemd's LISTEN_FDNAMES): one of the fd*
	// roles below.
	envInheritFDs = envInheritPrefix + "FDS"
	// envInheritWorker is the index of a supervisor's worker.
	envInheritWorker = envInheritPrefix + "WORKER"
)

// Roles of the descriptors handed over.
const (
	fdServe   = "serve"   // a listener to serve
	fdMetrics = "metrics" // the --metrics-addr listener
	fdSocket  = "socket"  // a worker's socket, kept by a supervisor
	fdReady   = "ready"   // a pipe: write one byte once serving
)

// firstInheritedFD is the first descriptor of ExtraFiles in the child.
const firstInheritedFD = 3

// maxInheritedFDs bounds the descriptors taken (a supervisor hands over
// one socket per worker).
const maxInheritedFDs = 2048

// inherited is what a process received from its parent: listeners to
// serve, or (for a new supervisor) its workers' sockets, and the pipe on
// which it reports readiness. A nil *inherited received nothing.
type inherited struct {
	serve   []net.Listener
	metrics net.Listener
	sockets []*os.File
	ready   *os.File
	worker  int // the worker's index, or -1
}

// takeInherited returns the descriptors handed to this process by its
// parent, if any, and environ without the hand-over variables (which must
// not reach the configuration nor the next child).
func takeInherited(environ []string) (*inherited, []string, error) {
	var pid, names, worker string
	rest := make([]string, 0, len(environ))
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case envInheritPID:
			pid = v
		case envInheritFDs:
			names = v
		case envInheritWorker:
			worker = v
		default:
			if !strings.HasPrefix(k, envInheritPrefix) {
				rest = append(rest, kv)
			}
		}
	}
	if names == "" || pid != strconv.Itoa(os.Getppid()) {
		return nil, rest, nil // meant for another process, or nothing
	}
	inh := &inherited{worker: -1}
	if worker != "" {
		n, err := strconv.Atoi(worker)
		if err != nil || n < 0 {
			return nil, rest, fmt.Errorf("httpserver: inherited descriptors: invalid %s %q", envInheritWorker, worker)
		}
		inh.worker = n
	}
	roles := strings.Split(names, ":")
	if len(roles) > maxInheritedFDs {
		return nil, rest, fmt.Errorf("httpserver: inherited descriptors: %d, more than %d", len(roles), maxInheritedFDs)
	}
	for i, role := range roles {
		fd := firstInheritedFD + i
		f := os.NewFile(uintptr(fd), role)
		if f == nil {
			inh.close()
			return nil, rest, fmt.Errorf("httpserver: inherited descriptors: %d is not open", fd)
		}
		var err error
		switch role {
		case fdServe, fdMetrics:
			var ln net.Listener
			if ln, err = listenerFromFile(f); err == nil && role == fdServe {
				inh.serve = append(inh.serve, ln)
			} else if err == nil {
				inh.metrics = ln
			}
		case fdSocket:
			inh.sockets = append(inh.sockets, f)
		case fdReady:
			inh.ready = f
		default:
			f.Close()
			err = fmt.Errorf("unknown role %q", role)
		}
		if err != nil {
			inh.close()
			return nil, rest, fmt.Errorf("httpserver: inherited descriptor %d (%s): %w", fd, role, err)
		}
	}
	return inh, rest, nil
}

// listenerFromFile makes a listener of the socket f and closes f; the
// listener holds a close-on-exec duplicate.
func listenerFromFile(f *os.File) (net.Listener, error) {
	defer f.Close()
	return net.FileListener(f)
}

// signalReady tells the parent that this process serves: one byte on the
// ready pipe, then the pipe is closed. It does nothing on a nil inherited
// or one without a pipe.
func (inh *inherited) signalReady() {
	if inh == nil || inh.ready == nil {
		return
	}
	inh.ready.Write([]byte{1})
	inh.ready.Close()
	inh.ready = nil
}

// isWorker reports whether this process is a supervisor's worker.
func (inh *inherited) isWorker() bool { return inh != nil && inh.worker >= 0 }

// close releases whatever was inherited and not used: the listeners
// handed to Serve are closed by the server, closing them again is
// harmless.
func (inh *inherited) close() {
	if inh == nil {
		return
	}
	for _, ln := range inh.serve {
		ln.Close()
	}
	if inh.metrics != nil {
		inh.metrics.Close()
	}
	for _, f := range inh.sockets {
		f.Close()
	}
	if inh.ready != nil {
		inh.ready.Close()
	}
}

// handedFile is a descriptor to hand to a child, with its role.
type handedFile struct {
	role string
	f    *os.File
}

// listenerFile returns a duplicate of ln's socket to hand over.
func listenerFile(ln net.Listener) (*os.File, error) {
	fl, ok := ln.(interface{ File() (*os.File, error) })
	if !ok {
		return nil, fmt.Errorf("httpserver: cannot hand over a %T listener", ln)
	}
	return fl.File()
}

// child is a process started with handed-over descriptors.
type child struct {
	proc  *os.Process
	pipe  *os.File   // the read end of the ready pipe
	ready chan error // one value: nil once the child reported ready
}

// errNotReady is the child's failure to report readiness.
var errNotReady = errors.New("httpserver: the new process exited before it was ready")

// startChild starts the binary at exe with args (argv0 as its name) and
// environ (without hand-over variables), handing it files and a ready
// pipe; worker is the worker index, or -1. The child writes to stdout and
// stderr directly. The caller must wait for c.ready and then reap or
// release the process.
//
// It forks with syscall.ForkExec on the raw descriptors: os/exec calls
// (*os.File).Fd on ExtraFiles, which puts the descriptor in blocking
// mode, and a listening socket's mode is shared by every process holding
// it, so this process's own accept would then block in the kernel, out of
// reach of the listener's close.
func startChild(exe, argv0 string, args, environ []string, files []handedFile, worker int, stdout, stderr *os.File, sys *syscall.SysProcAttr) (*child, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer pw.Close() // the child has its copy
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		pr.Close()
		return nil, err
	}
	defer devNull.Close()
	all := append([]*os.File{devNull, stdout, stderr}, make([]*os.File, 0, len(files)+1)...)
	roles := make([]string, 0, len(files)+1)
	for _, hf := range files {
		roles = append(roles, hf.role)
		all = append(all, hf.f)
	}
	roles = append(roles, fdReady)
	all = append(all, pw)
	fds := make([]uintptr, len(all))
	for i, f := range all {
		if fds[i], err = rawFD(f); err != nil {
			pr.Close()
			return nil, err
		}
	}
	env := append(environ[:len(environ):len(environ)],
		envInheritPID+"="+strconv.Itoa(os.Getpid()),
		envInheritFDs+"="+strings.Join(roles, ":"))
	if worker >= 0 {
		env = append(env, envInheritWorker+"="+strconv.Itoa(worker))
	}
	pid, err := syscall.ForkExec(exe, append([]string{argv0}, args...), &syscall.ProcAttr{Env: env, Files: fds, Sys: sys})
	runtime.KeepAlive(all)
	if err != nil {
		pr.Close()
		return nil, err
	}
	proc, err := os.FindProcess(pid)
	if err != nil {
		pr.Close()
		return nil, err
	}
	c := &child{proc: proc, pipe: pr, ready: make(chan error, 1)}
	go func() {
		defer pr.Close()
		var b [1]byte
		if n, _ := pr.Read(b[:]); n == 1 {
			c.ready <- nil
			return
		}
		c.ready <- errNotReady
	}()
	return c, nil
}

// rawFD returns f's descriptor without changing its mode (as Fd would).
func rawFD(f *os.File) (uintptr, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	var fd uintptr
	err = rc.Control(func(d uintptr) { fd = d })
	return fd, err
}

// errAborted is a wait for readiness cut short by the parent.
var errAborted = errors.New("httpserver: stopped waiting for the new process (shutting down)")

// awaitReady waits up to timeout (zero: no limit) for the child to report
// ready, or until abort is closed. On failure the child is killed and
// reaped.
func (c *child) awaitReady(timeout time.Duration, abort <-chan struct{}) error {
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	var err error
	select {
	case err = <-c.ready:
		if err == nil {
			return nil
		}
	case <-expired:
		err = fmt.Errorf("httpserver: the new process was not ready within %s", timeout)
	case <-abort:
		err = errAborted
	}
	if err != errNotReady {
		// A grandchild may hold the pipe open: stop reading it.
		c.pipe.Close()
		<-c.ready
	}
	c.proc.Kill()
	c.proc.Wait()
	return err
}

// stdFiles returns stdout and stderr as files a child can write to
// directly, or an error when they are not files (in tests).
func stdFiles(stdout, stderr io.Writer) (*os.File, *os.File, error) {
	o, ok1 := stdout.(*os.File)
	e, ok2 := stderr.(*os.File)
	if !ok1 || !ok2 {
		return nil, nil, errors.New("httpserver: stdout and stderr are not files; cannot start another process")
	}
	return o, e, nil
}
