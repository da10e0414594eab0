//go:build linux

package httpserver

import (
	"bufio"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMassTimeoutMemory: when thousands of clients stuck in a request head
// time out together, answering their 408s and closing in stages must not
// raise the server's memory far above what the stuck connections held:
// the lingering close holds no buffer of its own (a goroutine connection
// reads into its read buffer, an evented one is read by its event loop),
// and the epoll engine's loop writes the 408s itself, with no worker
// each. The clients trickle on during the linger, as slowloris clients
// do. Each engine runs in a process of its own (this test binary again),
// so that one run's freed memory does not hide the next one's growth; the
// process holds the clients too. It logs the figures. Measured here with
// 2,000 connections: before, 8.9 (goroutine), 9.6 (pool) and 14.7 (epoll)
// KiB a connection; after, 4.3, 5.3 and 0.2 (the goroutine engines still
// write each 408 into the connection's write buffer, whose page the
// kernel maps on that first write). The bound, 7 KiB a connection, sits
// between.
func TestMassTimeoutMemory(t *testing.T) {
	if e := os.Getenv(massTimeoutEngine); e != "" {
		measureMassTimeout(t, Engine(e))
		return
	}
	if testing.Short() {
		t.Skip("opens 2,000 connections in a process per engine")
	}
	for _, e := range engines {
		t.Run(string(e), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestMassTimeoutMemory$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), massTimeoutEngine+"="+string(e))
			out, err := cmd.CombinedOutput()
			for _, line := range strings.Split(string(out), "\n") {
				if strings.Contains(line, "mass_timeout_test.go") {
					t.Log(strings.TrimSpace(line))
				}
			}
			if err != nil {
				t.Errorf("%s: %v\n%s", e, err, out)
			}
		})
	}
}

// massTimeoutEngine names the engine a child process of
// TestMassTimeoutMemory measures.
const massTimeoutEngine = "HTTPSERVER_TEST_MASS_TIMEOUT_ENGINE"

// measureMassTimeout is TestMassTimeoutMemory in its child process.
func measureMassTimeout(t *testing.T, e Engine) {
	const (
		n       = 2000
		timeout = 2 * time.Second
	)
	s := startServer(t, HandlerFunc(func(w ResponseWriter, r *Request) {}), withEngine(e), func(s *Server) {
		s.Timeouts = Timeouts{ReadHeader: timeout}
	})
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\nX-Trickle: ")
	}
	awaitConns(t, s.Server, n)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	stack0, heap0 := ms.StackInuse, ms.HeapInuse
	var stackMax, heapMax uint64
	flood := procStatusKiB(t, "VmRSS")
	resetPeakRSS(t)
	// The clients trickle on, a byte each every 100 ms; the timeouts
	// fire, the 408s go out, the lingering closes read the trickle and
	// run their course (the clients never close).
	end := time.Now().Add(timeout + lingerTimeout + 500*time.Millisecond)
	for next := time.Now(); time.Now().Before(end); {
		for _, c := range conns {
			c.Write([]byte("x"))
		}
		next = next.Add(100 * time.Millisecond)
		time.Sleep(time.Until(next))
		runtime.ReadMemStats(&ms)
		stackMax, heapMax = max(stackMax, ms.StackInuse), max(heapMax, ms.HeapInuse)
	}
	peak := procStatusKiB(t, "VmHWM")
	t.Logf("%s: stacks %d KiB, peak +%d KiB; heap %d KiB, peak +%d KiB", e, stack0>>10, (stackMax-stack0)>>10, heap0>>10, (heapMax-heap0)>>10)
	answered := 0
	for _, c := range conns {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if line, _ := bufio.NewReader(c).ReadString('\n'); strings.HasPrefix(line, "HTTP/1.1 408 ") {
			answered++
		}
	}
	t.Logf("%s: %d connections timing out: RSS %d KiB stuck, peak %d KiB (+%d KiB, %.1f KiB a connection); %d answered 408",
		e, n, flood, peak, peak-flood, float64(peak-flood)/n, answered)
	if answered != n {
		t.Errorf("%d of %d connections got their 408", answered, n)
	}
	if raceEnabled {
		return // the race detector's shadow memory grows with every touch
	}
	if growth := peak - flood; growth > 7*n {
		t.Errorf("RSS peaked %d KiB above the %d KiB the stuck connections held: over 7 KiB a connection", growth, flood)
	}
}

// procStatusKiB reads a field of /proc/self/status, in KiB.
func procStatusKiB(t *testing.T, field string) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kib, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				t.Fatal(err)
			}
			return kib
		}
	}
	t.Skipf("no %s in /proc/self/status", field)
	return 0
}

// resetPeakRSS resets VmHWM to the current RSS (Linux 4.0+).
func resetPeakRSS(t *testing.T) {
	t.Helper()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Skipf("cannot reset the peak RSS: %v", err)
	}
}
