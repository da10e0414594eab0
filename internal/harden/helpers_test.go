package harden

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/testserver"
	"github.com/rawsock/httpserver/internal/testutil/syncbuf"
)

// wait bounds every wait of the suite that does not measure a duration.
const wait = 30 * time.Second

// long reports whether the long forms run (HTTPSERVER_HARDEN=long).
func long() bool { return os.Getenv("HTTPSERVER_HARDEN") == "long" }

// size picks the short or the long form of a count.
func size(short, longForm int) int {
	if long() {
		return longForm
	}
	return short
}

// forEachEngine runs fn once per engine, as a subtest named after it; only
// for the engine HTTPSERVER_TEST_ENGINE names, when set (CI runs the
// module's tests once per engine).
func forEachEngine(t *testing.T, fn func(t *testing.T, e httpserver.Engine)) {
	engines := httpserver.Engines()
	if os.Getenv(testserver.EnvEngine) != "" {
		engines = []httpserver.Engine{testserver.Engine(t)}
	}
	for _, e := range engines {
		t.Run(string(e), func(t *testing.T) { fn(t, e) })
	}
}

// startLib serves h in process with engine e until the test ends.
func startLib(t *testing.T, e httpserver.Engine, h httpserver.Handler, configure ...func(*httpserver.Server)) (string, *httpserver.Server) {
	t.Helper()
	set := func(s *httpserver.Server) { s.Engine = e }
	return testserver.Start(t, h, append([]func(*httpserver.Server){set}, configure...)...)
}

// raiseFileLimit raises the soft limit on open descriptors to the hard
// limit and returns the new soft limit.
func raiseFileLimit(t *testing.T) int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			t.Logf("raising RLIMIT_NOFILE: %v", err)
			syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
		}
	}
	return int(lim.Cur)
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds cmd/httpserver once per test run and returns its path.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "harden-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "httpserver")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/rawsock/httpserver/cmd/httpserver").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// proc is a running httpserver binary.
type proc struct {
	addr string
	cmd  *exec.Cmd
	log  *syncbuf.Buffer
	done chan error // receives Wait's result
}

// startBinary runs the binary on a free loopback port with engine e, no
// access log, and args; it is killed when the test ends if still running.
func startBinary(t *testing.T, e httpserver.Engine, args ...string) *proc {
	t.Helper()
	all := append([]string{"--addr", "127.0.0.1:0", "--engine", string(e), "--access-log=false", "--log-format", "json"}, args...)
	cmd := exec.Command(binary(t), all...)
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "HTTPSERVER_") })
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, log: new(syncbuf.Buffer), done: make(chan error, 1)}
	addrCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		found := false
		for sc.Scan() {
			line := sc.Text()
			p.log.Write([]byte(line + "\n"))
			var rec struct{ Msg, Addr string }
			if !found && json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "listening" {
				found = true
				addrCh <- rec.Addr
			}
		}
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			select {
			case <-p.done:
			case <-time.After(wait):
			}
		}
	})
	select {
	case p.addr = <-addrCh:
	case err := <-p.done:
		t.Fatalf("binary exited: %v\n%s", err, p.log)
	case <-time.After(wait):
		t.Fatalf("binary did not announce its address:\n%s", p.log)
	}
	return p
}

// procStatus returns a field of /proc/PID/status in KiB (VmRSS, VmHWM).
func procStatus(t *testing.T, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			n, _ := strconv.ParseInt(f[0], 10, 64)
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// resetPeakRSS resets the peak resident set (VmHWM) of process pid to its
// current resident set (Linux 4.0+).
func resetPeakRSS(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// rssKiB returns the resident set of process pid in KiB.
func rssKiB(t *testing.T, pid int) int64 { return procStatus(t, pid, "VmRSS") }

// openFDs counts the open descriptors of this process.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// response is a response read from a raw connection.
type response struct {
	status int
	header map[string]string // lower-case names, last value wins
	body   []byte
}

// errTruncated marks a response that started but did not end.
var errTruncated = errors.New("response truncated")

// readResponse reads one response with a Content-Length body (or none)
// from br. It returns io.EOF (or the read error) when no byte of a
// response arrived, and an error wrapping errTruncated when some did but
// not all.
func readResponse(br *bufio.Reader) (*response, int, error) {
	got := 0
	line, err := br.ReadString('\n')
	got += len(line)
	if err != nil {
		if got > 0 {
			return nil, got, fmt.Errorf("%w: status line: %v", errTruncated, err)
		}
		return nil, 0, err
	}
	f := strings.Fields(line)
	if len(f) < 2 {
		return nil, got, fmt.Errorf("bad status line %q", line)
	}
	res := &response{header: make(map[string]string)}
	res.status, _ = strconv.Atoi(f[1])
	for {
		l, err := br.ReadString('\n')
		got += len(l)
		if err != nil {
			return nil, got, fmt.Errorf("%w: header: %v", errTruncated, err)
		}
		l = strings.TrimRight(l, "\r\n")
		if l == "" {
			break
		}
		k, v, _ := strings.Cut(l, ":")
		res.header[strings.ToLower(k)] = strings.TrimSpace(v)
	}
	if cl, ok := res.header["content-length"]; ok {
		n, err := strconv.Atoi(cl)
		if err != nil {
			return nil, got, fmt.Errorf("bad Content-Length %q", cl)
		}
		res.body = make([]byte, n)
		m, err := io.ReadFull(br, res.body)
		got += m
		if err != nil {
			return nil, got, fmt.Errorf("%w: body %d of %d bytes: %v", errTruncated, m, n, err)
		}
	}
	return res, got, nil
}

// percentile returns the p-th percentile (0-100) of ds, sorting ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(float64(len(ds)-1) * p / 100)
	return ds[i]
}

// freshGet makes one request on a new connection and returns its status.
func freshGet(addr, target string, timeout time.Duration) (int, error) {
	nc, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return 0, err
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(timeout))
	if _, err := fmt.Fprintf(nc, "GET %s HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", target); err != nil {
		return 0, err
	}
	res, _, err := readResponse(bufio.NewReader(nc))
	if err != nil {
		return 0, err
	}
	return res.status, nil
}

// probe measures fresh-connection GETs of target, from workers clients in
// a loop, until stop is closed; it returns the latencies and the failures.
func probe(addr, target string, workers int, stop <-chan struct{}) (lat []time.Duration, failures []string) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for n := 0; n < 100000; n++ {
				select {
				case <-stop:
					return
				default:
				}
				start := time.Now()
				code, err := freshGet(addr, target, 10*time.Second)
				d := time.Since(start)
				mu.Lock()
				if err != nil || code != 200 {
					failures = append(failures, fmt.Sprintf("%d %v", code, err))
				} else {
					lat = append(lat, d)
				}
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	return lat, failures
}

// quietLogger discards the server's own logs.
func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
