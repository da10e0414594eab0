package harden

import (
	"bufio"
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
)

// trickle is one slow client: it sends head, then one byte of trickle per
// interval, until a response arrives or max passes. It returns the status
// of the response (0 if none), and how long after its first byte it came.
func trickle(nc net.Conn, head string, interval, max time.Duration, started chan<- struct{}) (int, time.Duration, error) {
	defer nc.Close()
	begin := time.Now()
	_, err := nc.Write([]byte(head))
	started <- struct{}{}
	if err != nil {
		return 0, 0, err
	}
	br := bufio.NewReader(nc)
	for time.Since(begin) < max {
		nc.SetReadDeadline(time.Now().Add(interval))
		if _, err := br.Peek(1); err == nil {
			line, _ := br.ReadString('\n')
			f := strings.Fields(line)
			if len(f) < 2 {
				return 0, time.Since(begin), fmt.Errorf("bad status line %q", line)
			}
			code, _ := strconv.Atoi(f[1])
			return code, time.Since(begin), nil
		} else if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
			return 0, time.Since(begin), err
		}
		// A write error is not final: the response may be on its way.
		nc.Write([]byte{'a'})
	}
	return 0, time.Since(begin), fmt.Errorf("no response within %v", max)
}

// slowlorisRun is what one flood measured.
type slowlorisRun struct {
	n                int
	connect          time.Duration // to open all connections
	p50, p99, pmax   time.Duration // fresh clients while the flood ran
	probes           int
	probeFailures    []string
	rssBase, rssFull int64 // KiB, before and with every trickler connected
	rssPre           int64 // KiB, after the probes, before the first timeout
	rssPeak          int64 // KiB, the peak from rssPre until every trickler was answered; 0: unknown
	statuses         map[string]int
	lateMax          time.Duration // latest response after the first byte
}

func (r slowlorisRun) perConnKiB() float64 { return float64(r.rssFull-r.rssBase) / float64(r.n) }

// floodSlowloris opens n connections to the binary p that each send head
// and then trickle, measures fresh clients and the server's memory while
// they hang on, and waits for every trickler's response.
func floodSlowloris(t *testing.T, p *proc, head string, n int, timeout time.Duration) slowlorisRun {
	t.Helper()
	pid := p.cmd.Process.Pid
	// Warm up: the first requests grow pools and buffers once.
	for range 20 {
		if code, err := freshGet(p.addr, "/health", 5*time.Second); err != nil || code != 200 {
			t.Fatalf("warm-up: %d %v", code, err)
		}
	}
	time.Sleep(200 * time.Millisecond)
	run := slowlorisRun{n: n, rssBase: rssKiB(t, pid), statuses: make(map[string]int)}

	const interval = time.Second
	limit := timeout + 15*time.Second
	var mu sync.Mutex
	var wg sync.WaitGroup
	started := make(chan struct{}, n)
	sem := make(chan struct{}, 64)
	begin := time.Now()
	dialFailures := 0
	for range n {
		sem <- struct{}{}
		nc, err := net.DialTimeout("tcp", p.addr, 10*time.Second)
		<-sem
		if err != nil {
			dialFailures++
			started <- struct{}{}
			continue
		}
		wg.Go(func() {
			code, after, err := trickle(nc, head, interval, limit, started)
			mu.Lock()
			defer mu.Unlock()
			key := strconv.Itoa(code)
			if err != nil {
				key = fmt.Sprintf("%d %v", code, err)
				if len(key) > 60 {
					key = key[:60]
				}
			}
			run.statuses[key]++
			run.lateMax = max(run.lateMax, after)
		})
	}
	for range n {
		<-started
	}
	run.connect = time.Since(begin)
	if dialFailures > 0 {
		t.Errorf("%d of %d connections failed to open", dialFailures, n)
	}
	// Every trickler has sent its head; let each send a byte more.
	time.Sleep(1500 * time.Millisecond)
	run.rssFull = rssKiB(t, pid)

	// Measure fresh clients while the earliest tricklers still wait.
	window := timeout - time.Since(begin) - time.Second
	if window < time.Second {
		t.Logf("only %v left before the first timeouts; probing 1s anyway", window)
		window = time.Second
	}
	stop := make(chan struct{})
	time.AfterFunc(min(window, 10*time.Second), func() { close(stop) })
	lat, failures := probe(p.addr, "/health", 4, stop)
	run.probes, run.probeFailures = len(lat), failures
	run.p50, run.p99, run.pmax = percentile(lat, 50), percentile(lat, 99), percentile(lat, 100)

	// The timeouts come next: from here on, the process's peak is theirs
	// (the probes' garbage is in rssPre already: the heap grows up to
	// twice what is live before a collection, and the pages stay).
	run.rssPre = rssKiB(t, pid)
	peakKnown := resetPeakRSS(pid) == nil
	wg.Wait()
	if peakKnown {
		run.rssPeak = procStatus(t, pid, "VmHWM")
	}
	return run
}

// logRun reports a flood's figures.
func logRun(t *testing.T, what string, r slowlorisRun) {
	t.Helper()
	keys := slices.Sorted(maps.Keys(r.statuses))
	var st []string
	for _, k := range keys {
		st = append(st, fmt.Sprintf("%q×%d", k, r.statuses[k]))
	}
	t.Logf("%s: n=%d connect=%v | fresh clients: %d ok, %d failed, p50=%v p99=%v max=%v | RSS base=%d KiB with-flood=%d KiB (%.1f KiB/conn) before-timeouts=%d KiB peak-while-timing-out=%d KiB | responses %s, latest %v after first byte",
		what, r.n, r.connect.Round(time.Millisecond), r.probes, len(r.probeFailures),
		r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond), r.pmax.Round(10*time.Microsecond),
		r.rssBase, r.rssFull, r.perConnKiB(), r.rssPre, r.rssPeak, strings.Join(st, " "), r.lateMax.Round(time.Millisecond))
}

// checkRun asserts what every flood must achieve: each trickler answered
// want, no fresh client failed.
func checkRun(t *testing.T, r slowlorisRun, want int) {
	t.Helper()
	if got := r.statuses[strconv.Itoa(want)]; got != r.n {
		t.Errorf("%d of %d tricklers got %d; all: %v", got, r.n, want, r.statuses)
	}
	if len(r.probeFailures) > 0 {
		t.Errorf("%d fresh clients failed during the flood, e.g. %q", len(r.probeFailures), r.probeFailures[0])
	}
	if r.probes == 0 {
		t.Error("no fresh client was served during the flood")
	}
}

// slowlorisTimeout is the header (or read) timeout of a flood of n: long
// enough to open every connection and probe before the first expires.
func slowlorisTimeout(n int) time.Duration {
	return 6*time.Second + time.Duration(n)*2*time.Millisecond
}

// TestSlowlorisHeaders: connections that trickle a request head, one byte
// a second, each get 408 when --read-header-timeout passes, while fresh
// clients are served; it reports their latency and the server's memory
// per trickling connection. 300 connections; 15,000 in the long form.
func TestSlowlorisHeaders(t *testing.T) {
	n := size(300, 15000)
	if lim := raiseFileLimit(t); lim < n+200 {
		t.Skipf("RLIMIT_NOFILE %d is too low for %d connections", lim, n)
	}
	timeout := slowlorisTimeout(n)
	forEachEngine(t, func(t *testing.T, e httpserver.Engine) {
		p := startBinary(t, e, "--read-header-timeout", timeout.String(), "--max-conns", strconv.Itoa(n+1000))
		r := floodSlowloris(t, p, "GET / HTTP/1.1\r\nHost: h\r\nX-Trickle: ", n, timeout)
		logRun(t, "slowloris headers "+string(e), r)
		checkRun(t, r, httpserver.StatusRequestTimeout)
	})
}

// TestSlowlorisBodies: connections that declare a Content-Length and
// trickle the body each get 408 when --read-timeout passes, while fresh
// clients are served. 200 connections; 5,000 in the long form.
func TestSlowlorisBodies(t *testing.T) {
	n := size(200, 5000)
	if lim := raiseFileLimit(t); lim < n+200 {
		t.Skipf("RLIMIT_NOFILE %d is too low for %d connections", lim, n)
	}
	timeout := slowlorisTimeout(n)
	forEachEngine(t, func(t *testing.T, e httpserver.Engine) {
		p := startBinary(t, e, "--read-timeout", timeout.String(), "--max-conns", strconv.Itoa(n+1000))
		r := floodSlowloris(t, p, "POST /api/echo HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n", n, timeout)
		logRun(t, "slowloris bodies "+string(e), r)
		checkRun(t, r, httpserver.StatusRequestTimeout)
	})
}
