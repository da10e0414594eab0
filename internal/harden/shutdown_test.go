package harden

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
)

// loadCounts are the outcomes of requests made while the server shut down.
type loadCounts struct {
	complete     atomic.Int64 // whole responses
	closing      atomic.Int64 // of which said "Connection: close"
	neverStarted atomic.Int64 // requests sent whose response never began
	refused      atomic.Int64 // connections refused (the listener closed)
	truncated    atomic.Int64 // responses that began and did not end: failures
	other        atomic.Int64 // anything else (bad status...): failures

	mu       sync.Mutex
	examples []string
}

func (c *loadCounts) fail(counter *atomic.Int64, what string) {
	counter.Add(1)
	c.mu.Lock()
	if len(c.examples) < 2 {
		c.examples = append(c.examples, what)
	}
	c.mu.Unlock()
}

func (c *loadCounts) String() string {
	return fmt.Sprintf("complete=%d (Connection: close on %d) never-started=%d refused-connections=%d truncated=%d other-failures=%d",
		c.complete.Load(), c.closing.Load(), c.neverStarted.Load(), c.refused.Load(), c.truncated.Load(), c.other.Load())
}

// loadOptions shape the client connections of driveLoad.
type loadOptions struct {
	conns     int
	bodyBytes int  // size of each POST /api/echo body
	pipeline  bool // send the next request once a response's head arrives
	rcvbuf    int  // SO_RCVBUF of the client sockets; 0: the default
}

// driveLoad runs opts.conns clients against addr, each on a keep-alive
// connection, reconnecting when the server closes one, until stop is
// closed or the server refuses new connections.
func driveLoad(addr string, opts loadOptions, stop <-chan struct{}, counts *loadCounts) {
	body := strings.Repeat("x", opts.bodyBytes)
	req := fmt.Sprintf("POST /api/echo HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	d := net.Dialer{Timeout: 5 * time.Second}
	if opts.rcvbuf > 0 {
		d.Control = func(_, _ string, rc syscall.RawConn) error {
			return rc.Control(func(fd uintptr) {
				syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, opts.rcvbuf)
			})
		}
	}
	stopped := func() bool {
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}
	var wg sync.WaitGroup
	for range opts.conns {
		wg.Go(func() {
			for n := 0; n < 1000 && !stopped(); n++ {
				nc, err := d.Dial("tcp", addr)
				if err != nil {
					counts.refused.Add(1)
					return
				}
				nc.SetDeadline(time.Now().Add(wait))
				oneConn(nc, req, opts.pipeline, stopped, counts)
				nc.Close()
			}
		})
	}
	wg.Wait()
}

// oneConn sends requests on nc until the server closes it or the load
// stops, and classifies every response.
func oneConn(nc net.Conn, req string, pipeline bool, stopped func() bool, counts *loadCounts) {
	br := bufio.NewReaderSize(nc, 4096)
	if _, err := io.WriteString(nc, req); err != nil {
		return
	}
	for i := 0; i < 100000; i++ {
		res, got, err := readResponseHead(br)
		if err != nil {
			if got == 0 {
				counts.neverStarted.Add(1)
			} else {
				counts.fail(&counts.truncated, fmt.Sprintf("head cut after %d bytes: %v", got, err))
			}
			return
		}
		closing := res.header["connection"] == "close"
		sentNext := false
		if pipeline && !closing && !stopped() {
			// The client pipelines: its next request goes out as soon as
			// the head of this response arrives.
			if _, err := io.WriteString(nc, req); err == nil {
				sentNext = true
			}
		}
		n, err := readBody(br, res)
		if err != nil {
			counts.fail(&counts.truncated, fmt.Sprintf("%d response body cut at %d bytes (Content-Length %q, Transfer-Encoding %q): %v", res.status, n, res.header["content-length"], res.header["transfer-encoding"], err))
			return
		}
		if res.status != 200 {
			counts.fail(&counts.other, fmt.Sprintf("status %d", res.status))
			return
		}
		counts.complete.Add(1)
		if closing {
			counts.closing.Add(1)
			if sentNext {
				counts.neverStarted.Add(1)
			}
			return
		}
		if stopped() {
			return
		}
		if !sentNext {
			if _, err := io.WriteString(nc, req); err != nil {
				return
			}
		}
	}
}

// readResponseHead reads a status line and header block; got counts the
// bytes read, so that a response that never began is told from one cut.
func readResponseHead(br *bufio.Reader) (*response, int, error) {
	res := &response{header: make(map[string]string)}
	got := 0
	line, err := br.ReadString('\n')
	got += len(line)
	if err != nil {
		return nil, got, err
	}
	if _, err := fmt.Sscanf(line, "HTTP/1.1 %d", &res.status); err != nil {
		return nil, got, fmt.Errorf("status line %q", line)
	}
	for {
		l, err := br.ReadString('\n')
		got += len(l)
		if err != nil {
			return nil, got, err
		}
		l = strings.TrimRight(l, "\r\n")
		if l == "" {
			return res, got, nil
		}
		k, v, _ := strings.Cut(l, ":")
		res.header[strings.ToLower(k)] = strings.TrimSpace(v)
	}
}

// readBody reads and discards a Content-Length or chunked body through a
// small window, returning how many body bytes arrived.
func readBody(br *bufio.Reader, res *response) (int64, error) {
	buf := make([]byte, 4096)
	if res.header["transfer-encoding"] == "chunked" {
		var total int64
		for range 1 << 20 {
			line, err := br.ReadString('\n')
			if err != nil {
				return total, err
			}
			var n int64
			if _, err := fmt.Sscanf(line, "%x", &n); err != nil {
				return total, fmt.Errorf("chunk size %q", line)
			}
			m, err := io.CopyBuffer(io.Discard, io.LimitReader(br, n), buf)
			total += m
			if err == nil && m < n {
				err = io.ErrUnexpectedEOF
			}
			if err != nil {
				return total, err
			}
			if n == 0 { // the trailer section ends with an empty line
				for {
					l, err := br.ReadString('\n')
					if err != nil {
						return total, err
					}
					if l == "\r\n" {
						return total, nil
					}
				}
			}
			if _, err := br.Discard(2); err != nil {
				return total, err
			}
		}
		return total, errors.New("too many chunks")
	}
	var n int64
	if _, err := fmt.Sscan(res.header["content-length"], &n); err != nil {
		return 0, fmt.Errorf("Content-Length %q", res.header["content-length"])
	}
	m, err := io.CopyBuffer(io.Discard, io.LimitReader(br, n), buf)
	if err == nil && m < n {
		err = io.ErrUnexpectedEOF
	}
	return m, err
}

// shutdownUnderLoad drives the binary p with opts, sends it SIGTERM after
// warm, and returns the counts and how long it took to exit.
func shutdownUnderLoad(t *testing.T, p *proc, opts loadOptions, warm time.Duration) (*loadCounts, time.Duration) {
	t.Helper()
	counts := new(loadCounts)
	stop := make(chan struct{})
	loadDone := make(chan struct{})
	go func() {
		driveLoad(p.addr, opts, stop, counts)
		close(loadDone)
	}()
	time.Sleep(warm)
	before := counts.complete.Load()
	sent := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var exitErr error
	select {
	case exitErr = <-p.done:
	case <-time.After(wait):
		t.Fatalf("no exit %v after SIGTERM", wait)
	}
	exited := time.Since(sent)
	close(stop)
	<-loadDone
	if exitErr != nil {
		t.Errorf("exit: %v\n%s", exitErr, p.log)
	}
	if before == 0 {
		t.Errorf("no request completed before SIGTERM")
	}
	return counts, exited
}

// TestShutdownUnderLoad: SIGTERM while 256 keep-alive clients post to
// /api/echo: every response is complete or never started, and the binary
// exits within its grace period.
func TestShutdownUnderLoad(t *testing.T) {
	const grace = 10 * time.Second
	forEachEngine(t, func(t *testing.T, e httpserver.Engine) {
		p := startBinary(t, e, "--shutdown-timeout", grace.String())
		counts, exited := shutdownUnderLoad(t, p, loadOptions{conns: 256, bodyBytes: 1024}, 2*time.Second)
		t.Logf("shutdown under load %s: exit %v after SIGTERM; %v; failures: %q", e, exited.Round(time.Millisecond), counts, counts.examples)
		if counts.truncated.Load()+counts.other.Load() > 0 {
			t.Errorf("failed in-flight requests: %v; e.g. %q", counts, counts.examples)
		}
		if exited > grace+2*time.Second {
			t.Errorf("exit took %v, grace %v", exited, grace)
		}
	})
}

// TestShutdownCompletesPipelinedResponses: clients that pipeline (send the
// next request once a response's head arrives) and read through a small
// window must get every response whole after SIGTERM. They used to be cut
// by a reset: the server closed the socket while the pipelined request was
// unread, and Linux answers with RST, dropping what was not yet sent.
func TestShutdownCompletesPipelinedResponses(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e httpserver.Engine) {
		p := startBinary(t, e, "--shutdown-timeout", "10s")
		counts, exited := shutdownUnderLoad(t, p, loadOptions{conns: 256, bodyBytes: 64 << 10, pipeline: true, rcvbuf: 4096}, 2*time.Second)
		t.Logf("pipelined shutdown %s: exit %v; %v", e, exited.Round(time.Millisecond), counts)
		if n := counts.truncated.Load() + counts.other.Load(); n > 0 {
			t.Errorf("%d responses cut: %v; e.g. %q", n, counts, counts.examples)
		}
	})
}

// errNoShutdown is a helper sentinel for tests that expect Shutdown to
// report what it cannot finish.
var errNoShutdown = errors.New("shutdown did not complete")

// shutdownWithin runs srv.Shutdown with a deadline and returns its error.
func shutdownWithin(srv *httpserver.Server, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(ctx) }()
	select {
	case err := <-done:
		return err
	case <-time.After(d + 5*time.Second):
		return errNoShutdown
	}
}
