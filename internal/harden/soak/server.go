package soak

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is a running httpserver binary.
type server struct {
	cmd         *exec.Cmd
	addr        string // serving address
	metricsAddr string // the --metrics-addr listener
	done        chan error

	mu      sync.Mutex
	tail    []string         // the last lines of its log
	byLevel map[string]int64 // log lines by level after start-up
	logw    io.Writer        // receives every log line, when set
}

// tailLines is how many log lines a server keeps for error messages.
const tailLines = 50

// startServer runs bin with engine, serving root with the demo handlers
// (/api/echo, /api/ws) on a free loopback port, metrics on another, no
// access log; args come last. It returns once both ports are announced.
func startServer(bin, engine, root string, args []string, logw io.Writer) (*server, error) {
	all := append([]string{
		"--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0",
		"--engine", engine, "--root", root, "--demo",
		"--access-log=false", "--log-format", "json",
	}, args...)
	cmd := exec.Command(bin, all...)
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "HTTPSERVER_") })
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, done: make(chan error, 1), byLevel: make(map[string]int64), logw: logw}
	ready := make(chan struct{})
	go s.readLog(stderr, ready)
	select {
	case <-ready:
		return s, nil
	case err := <-s.done:
		return nil, fmt.Errorf("%s exited at start-up: %v\n%s", bin, err, s.logTail())
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-s.done
		return nil, fmt.Errorf("%s did not announce its addresses in 30 s:\n%s", bin, s.logTail())
	}
}

// readLog reads the server's JSON log until it ends, noting the addresses
// it announces and counting lines by level; then it waits for the process.
func (s *server) readLog(r io.Reader, ready chan<- struct{}) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	announced := false
	for sc.Scan() {
		line := sc.Text()
		if s.logw != nil {
			fmt.Fprintln(s.logw, line)
		}
		var rec struct{ Msg, Addr, Level string }
		json.Unmarshal([]byte(line), &rec)
		s.mu.Lock()
		s.tail = append(s.tail, line)
		if len(s.tail) > tailLines {
			s.tail = s.tail[1:]
		}
		switch {
		case rec.Msg == "listening":
			s.addr = rec.Addr
		case rec.Msg == "metrics listening":
			s.metricsAddr = rec.Addr
		case announced:
			s.byLevel[rec.Level]++
		}
		if !announced && s.addr != "" && s.metricsAddr != "" {
			announced = true
			close(ready)
		}
		s.mu.Unlock()
	}
	io.Copy(io.Discard, r)
	s.done <- s.cmd.Wait()
}

// logTail returns the last lines of the server's log.
func (s *server) logTail() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.tail, "\n")
}

// logLevels returns the count of log lines by level since start-up.
func (s *server) logLevels() map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[string]int64, len(s.byLevel))
	for k, v := range s.byLevel {
		m[k] = v
	}
	return m
}

// stop sends SIGTERM and waits for the exit, killing the process after
// grace; it returns the exit error, if any.
func (s *server) stop(grace time.Duration) error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case err := <-s.done:
		return err
	case <-time.After(grace):
		s.cmd.Process.Kill()
		<-s.done
		return fmt.Errorf("no exit within %v of SIGTERM: killed", grace)
	}
}

// kill ends the process at once, if it still runs.
func (s *server) kill() {
	if s.cmd.ProcessState == nil {
		s.cmd.Process.Kill()
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
		}
	}
}

// Sample is one second's figures of a run.
type Sample struct {
	// T is the time since the traffic started (negative for the baseline).
	T time.Duration
	// RSSKiB is the server's resident memory (VmRSS), in KiB.
	RSSKiB int64
	// Goroutines is the server's go_goroutines metric, Workers its
	// http_server_workers (the pool's goroutines, of the pool and epoll
	// engines: those beyond the minimum exit after 10-20 s idle).
	Goroutines, Workers int
	// FDs is the count of the server's open descriptors, Conns its
	// http_open_connections metric.
	FDs, Conns int
	// Requests and Errors count the operations done and failed so far.
	Requests, Errors int64
}

// NonWorkers is the count of goroutines outside the worker pool.
func (s Sample) NonWorkers() int { return s.Goroutines - s.Workers }

// sample reads the server's figures: VmRSS from /proc/PID/status, the
// entries of /proc/PID/fd, then the metrics from its metrics listener
// (whose connection is not yet open when the descriptors are counted).
func (s *server) sample() (Sample, error) {
	var sm Sample
	pid := s.cmd.Process.Pid
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return sm, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				sm.RSSKiB, _ = strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return sm, err
	}
	sm.FDs = len(ents)
	m, err := s.metrics("go_goroutines", "http_server_workers", "http_open_connections")
	sm.Goroutines, sm.Workers, sm.Conns = m[0], m[1], m[2]
	return sm, err
}

// metrics scrapes the named gauges from the metrics listener; a gauge it
// does not find is an error.
func (s *server) metrics(names ...string) ([]int, error) {
	out := make([]int, len(names))
	nc, err := net.DialTimeout("tcp", s.metricsAddr, 5*time.Second)
	if err != nil {
		return out, err
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := nc.Write(get("/metrics", "Connection: close")); err != nil {
		return out, err
	}
	r, err := readResp(bufio.NewReader(nc), "GET", true)
	if err != nil {
		return out, err
	}
	if r.status != 200 {
		return out, fmt.Errorf("metrics: status %d", r.status)
	}
	found := 0
	for line := range strings.Lines(string(r.body)) {
		name, val, ok := strings.Cut(strings.TrimSpace(line), " ")
		if i := slices.Index(names, name); ok && i >= 0 {
			if out[i], err = strconv.Atoi(val); err != nil {
				return out, fmt.Errorf("metrics: %s %q", name, val)
			}
			found++
		}
	}
	if found != len(names) {
		return out, fmt.Errorf("metrics: found %d of %v", found, names)
	}
	return out, nil
}
