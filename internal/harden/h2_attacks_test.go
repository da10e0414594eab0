package harden

import (
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/http2"
)

// p99Bound is the latency a fresh client must see at the 99th percentile
// while the server is under attack: generous, for a shared 2-core machine
// that also runs the attackers (and slower in race builds).
func p99Bound() time.Duration {
	if raceBuild {
		return 4 * time.Second
	}
	return 2 * time.Second
}

// h2Attack is one attack connection: it runs on nc (the preface not yet
// sent) until the server ends the connection or stop is closed, and
// returns how it ended and how many frames it sent.
type h2Attack struct {
	name string
	// small asks for a small socket receive buffer: the attacker never
	// reads, and the server's answers must pile up in its own queue.
	small bool
	run   func(c *h2Raw, stop <-chan struct{}) (h2End, int)
	// want checks the end of one connection.
	want func(h2End) bool
}

// writeUntil writes next() on c until a write fails, limit frames are
// sent or stop is closed, and returns the frames sent.
func writeUntil(c *h2Raw, stop <-chan struct{}, limit, batch int, next func(i int) []byte) int {
	sent := 0
	var buf []byte
	for sent < limit {
		select {
		case <-stop:
			return sent
		default:
		}
		buf = buf[:0]
		for range batch {
			buf = append(buf, next(sent)...)
			sent++
		}
		c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.nc.Write(buf); err != nil {
			return sent
		}
	}
	return sent
}

// readAndWrite runs write on its own goroutine while it reads the
// connection to its end (within 10 s of the last write), then closes it.
func readAndWrite(c *h2Raw, stop <-chan struct{}, write func() int) (h2End, int) {
	sent := make(chan int, 1)
	go func() { sent <- write() }()
	end := c.readUntilEnd(wait, stop)
	c.nc.Close()
	return end, <-sent
}

func enhanceYourCalm(e h2End) bool { return e.goAway && e.code == http2.ErrCodeEnhanceYourCalm }

// endedByServer: the server ended the connection (GOAWAY, close or reset),
// not the client's patience.
func endedByServer(e h2End) bool { return e.goAway || !isTimeout(e.err) }

// h2Attacks are the floods of TestH2Floods, at the server's default
// limits (internal/http2.Limits: 200 resets per 10 s, 16 CONTINUATION
// frames, 1,000 queued control frames).
var h2Attacks = []h2Attack{
	{
		// Rapid Reset (CVE-2023-44487): open a stream, cancel it, again.
		name: "rapid reset",
		run: func(c *h2Raw, stop <-chan struct{}) (h2End, int) {
			return readAndWrite(c, stop, func() int {
				return writeUntil(c, stop, 10000, 50, func(i int) []byte {
					id := uint32(2*i + 1)
					return append(c.headers(id, "GET", "/", true), http2.AppendRSTStream(nil, id, http2.ErrCodeCancel)...)
				})
			})
		},
		want: enhanceYourCalm,
	},
	{
		// CONTINUATION flood (CVE-2024-27316): a field block that never
		// ends.
		name: "CONTINUATION flood",
		run: func(c *h2Raw, stop <-chan struct{}) (h2End, int) {
			return readAndWrite(c, stop, func() int {
				return writeUntil(c, stop, 10000, 50, func(i int) []byte {
					if i == 0 {
						return frame(http2.FrameHeaders, 0, 1, c.block("GET", "/"))
					}
					return frame(http2.FrameContinuation, 0, 1, []byte{0x40, 1, 'x', 1, 'y'})
				})
			})
		},
		want: enhanceYourCalm,
	},
	{
		// PING flood from a client that never reads the acknowledgements.
		name:  "PING flood",
		small: true,
		run: func(c *h2Raw, stop <-chan struct{}) (h2End, int) {
			ping := http2.AppendPing(nil, false, [8]byte{1})
			n := writeUntil(c, stop, 2_000_000, 1000, func(int) []byte { return ping })
			end := c.readUntilEnd(wait, stop)
			c.nc.Close()
			return end, n
		},
		want: endedByServer,
	},
	{
		// SETTINGS flood, never reading the acknowledgements.
		name:  "SETTINGS flood",
		small: true,
		run: func(c *h2Raw, stop <-chan struct{}) (h2End, int) {
			settings := http2.AppendSettings(nil, http2.Setting{ID: http2.SettingMaxFrameSize, Val: 1 << 15})
			n := writeUntil(c, stop, 2_000_000, 1000, func(int) []byte { return settings })
			end := c.readUntilEnd(wait, stop)
			c.nc.Close()
			return end, n
		},
		want: endedByServer,
	},
}

// TestH2Floods: the four HTTP/2 floods, each from its own client that
// reconnects whenever the server ends its connection, all at once against
// one server (1 s; 20 s in the long form), over h2c and TLS (see
// forEachH2), on every engine. Every attack connection is ended by the
// server (rapid reset and CONTINUATION floods with GOAWAY
// ENHANCE_YOUR_CALM), fresh HTTP/2 clients are served throughout with p99
// within p99Bound, the heap stays bounded and everything comes back to its
// baseline.
func TestH2Floods(t *testing.T) {
	d := time.Duration(size(1, 20)) * time.Second
	forEachH2(t, httpserver.EngineGoroutine, func(t *testing.T, e httpserver.Engine, m h2Mode) {
		addr, srv := startH2(t, e, m, httpserver.HandlerFunc(faultHandler))
		warmH2(t, m, addr)
		c0 := srv.Stats().Conns
		g0, fd0 := goroutinesBesidesWorkers(srv), openFDs(t)
		h0 := heapInuse()
		w := watchHeap()

		stop := make(chan struct{})
		type tally struct {
			conns, frames int
			ends          map[string]int
			bad           []string
		}
		tallies := make([]tally, len(h2Attacks))
		var wg sync.WaitGroup
		for i, a := range h2Attacks {
			tl := &tallies[i]
			tl.ends = make(map[string]int)
			wg.Go(func() {
				for tl.conns < 1000 {
					select {
					case <-stop:
						return
					default:
					}
					nc, err := dialH2(t, addr, m, map[bool]int{true: 4096}[a.small])
					if err != nil {
						tl.bad = append(tl.bad, "dial: "+err.Error())
						return
					}
					c, err := newH2Raw(nc, true)
					if err != nil {
						nc.Close()
						tl.bad = append(tl.bad, "preface: "+err.Error())
						continue
					}
					end, n := a.run(c, stop)
					tl.conns++
					tl.frames += n
					tl.ends[end.String()]++
					if !a.want(end) {
						select {
						case <-stop: // cut short by the test's end
						default:
							tl.bad = append(tl.bad, end.String())
						}
					}
				}
			})
		}
		probeStop := make(chan struct{})
		time.AfterFunc(d, func() { close(probeStop) })
		lat, failures := h2Probe(t, m, addr, "/", 2, probeStop)
		close(stop)
		wg.Wait()
		peak := w.Stop()

		for i, a := range h2Attacks {
			tl := tallies[i]
			ends := slices.Sorted(maps.Keys(tl.ends))
			var s []string
			for _, k := range ends {
				s = append(s, fmt.Sprintf("%s×%d", k, tl.ends[k]))
			}
			t.Logf("%s %s %s: %d connections, %d frames, ended by: %s", e, m, a.name, tl.conns, tl.frames, strings.Join(s, ", "))
			if tl.conns == 0 {
				t.Errorf("%s: no attack connection completed", a.name)
			}
			if len(tl.bad) > 0 {
				t.Errorf("%s: %d connections ended unexpectedly, e.g. %s", a.name, len(tl.bad), tl.bad[0])
			}
		}
		p99 := percentile(lat, 99)
		grew := int64(peak) - int64(h0)
		t.Logf("%s %s under the floods: fresh clients %d ok, %d failed, p50=%v p99=%v max=%v; heap in use peaked %.1f MiB above its baseline",
			e, m, len(lat), len(failures), percentile(lat, 50).Round(10*time.Microsecond), p99.Round(10*time.Microsecond),
			percentile(lat, 100).Round(10*time.Microsecond), float64(grew)/(1<<20))
		if len(failures) > 0 {
			t.Errorf("%d fresh clients failed, e.g. %s", len(failures), failures[0])
		}
		if len(lat) == 0 {
			t.Error("no fresh client was served")
		}
		if p99 > p99Bound() {
			t.Errorf("fresh clients' p99 %v, bound %v", p99, p99Bound())
		}
		if grew > 64<<20 {
			t.Errorf("heap in use grew by %.1f MiB, bound 64 MiB", float64(grew)/(1<<20))
		}
		settle(t, srv, c0, g0, fd0)
	})
}

// warmH2 makes one HTTP/2 request, so that what the server and the
// client start once is running before the baselines are taken.
func warmH2(t *testing.T, m h2Mode, addr string) {
	t.Helper()
	c := h2Client(t, m, true)
	res, err := c.Get(h2URL(m, addr, "/"))
	if err != nil {
		t.Fatalf("warm-up: %v", err)
	}
	res.Body.Close()
	if res.ProtoMajor != 2 {
		t.Fatalf("warm-up: %s, want HTTP/2", res.Proto)
	}
	c.Transport.(interface{ CloseIdleConnections() }).CloseIdleConnections()
}

// TestH2Slowloris: slow HTTP/2 clients, 30 of each kind (10 in race
// builds, 1,000 in the long form) at once, over h2c and TLS (see
// forEachH2), on every engine: a partial client preface, a HEADERS frame
// whose field block is trickled a byte every 250 ms, and a connection that
// never opens a stream and sends a PING every 250 ms. With ReadHeader 1 s
// and Idle 2 s (2 s and 3 s in race builds), the first two are closed at
// ReadHeader (the preface is read under it, and a field block must arrive
// whole within it from its HEADERS frame, as an HTTP/1 head must) and the
// last at Idle (an HTTP/2 connection without an open stream is idle
// whatever frames arrive), fresh clients are served meanwhile, and
// everything comes back to its baseline.
func TestH2Slowloris(t *testing.T) {
	n := size(30, 1000)
	if raceBuild && !long() {
		n = 10 // each TLS handshake is slow in a race build
	}
	if lim := raiseFileLimit(t); lim < 6*n+200 {
		t.Skipf("RLIMIT_NOFILE %d is too low for %d connections", lim, 6*n)
	}
	// ReadHeader also bounds the TLS handshake, the fresh clients'
	// included: not too short for a busy machine.
	readHeader, slack := time.Second, 1500*time.Millisecond
	if raceBuild {
		readHeader, slack = 2*time.Second, 3*time.Second
	}
	idle := readHeader + time.Second
	kinds := []struct {
		name   string
		start  []byte // sent at once
		tick   []byte // sent every 250 ms
		within time.Duration
	}{
		{"partial preface", []byte(http2.ClientPreface[:10]), nil, readHeader},
		{"trickled HEADERS", append(append([]byte(http2.ClientPreface), http2.AppendSettings(nil)...),
			http2.AppendFrameHeader(nil, http2.FrameHeader{Length: 1000, Type: http2.FrameHeaders, Flags: http2.FlagEndHeaders, StreamID: 1})...), []byte{0}, readHeader},
		{"no stream", append([]byte(http2.ClientPreface), http2.AppendSettings(nil)...), http2.AppendPing(nil, false, [8]byte{}), idle},
	}
	forEachH2(t, httpserver.EngineEpoll, func(t *testing.T, e httpserver.Engine, m h2Mode) {
		addr, srv := startH2(t, e, m, httpserver.HandlerFunc(faultHandler), func(s *httpserver.Server) {
			s.Timeouts.ReadHeader, s.Timeouts.Idle = readHeader, idle
		})
		warmH2(t, m, addr)
		c0 := srv.Stats().Conns
		g0, fd0 := goroutinesBesidesWorkers(srv), openFDs(t)
		h0 := heapInuse()

		type result struct {
			kind int
			end  h2End
			took time.Duration
		}
		results := make(chan result, 3*n)
		connected := make(chan struct{}, 3*n)
		var wg sync.WaitGroup
		for k, kind := range kinds {
			for range n {
				nc, err := dialH2(t, addr, m, 0)
				if err != nil {
					t.Fatalf("dial: %v", err)
				}
				wg.Go(func() {
					defer nc.Close()
					c, _ := newH2Raw(nc, false)
					start := time.Now()
					nc.Write(kind.start)
					connected <- struct{}{}
					done := make(chan struct{})
					if kind.tick != nil {
						go func() {
							tick := time.NewTicker(250 * time.Millisecond)
							defer tick.Stop()
							for {
								select {
								case <-done:
									return
								case <-tick.C:
									nc.SetWriteDeadline(time.Now().Add(time.Second))
									nc.Write(kind.tick)
								}
							}
						}()
					}
					end := c.readUntilEnd(kind.within+3*slack, nil)
					close(done)
					results <- result{k, end, time.Since(start)}
				})
			}
		}
		for range 3 * n {
			<-connected
		}
		time.Sleep(200 * time.Millisecond)
		perConn := float64(int64(heapInuse())-int64(h0)) / 1024 / float64(3*n)
		stop := make(chan struct{})
		time.AfterFunc(readHeader/2, func() { close(stop) })
		lat, failures := h2Probe(t, m, addr, "/", 2, stop)
		wg.Wait()
		close(results)

		worst := make([]time.Duration, len(kinds))
		ends := make([]map[string]int, len(kinds))
		for i := range ends {
			ends[i] = make(map[string]int)
		}
		for r := range results {
			worst[r.kind] = max(worst[r.kind], r.took)
			ends[r.kind][r.end.String()]++
			if !endedByServer(r.end) || r.took > kinds[r.kind].within+slack {
				t.Errorf("%s: ended %s after %v, want the server to end it within %v", kinds[r.kind].name, r.end, r.took.Round(time.Millisecond), kinds[r.kind].within+slack)
			}
		}
		for i, kind := range kinds {
			t.Logf("%s %s %s ×%d: ended by the server %v, latest after %v", e, m, kind.name, n, ends[i], worst[i].Round(time.Millisecond))
		}
		t.Logf("%s %s: heap in use %.1f KiB per slow connection; fresh clients meanwhile: %d ok, %d failed, p99 %v",
			e, m, perConn, len(lat), len(failures), percentile(lat, 99).Round(10*time.Microsecond))
		if len(failures) > 0 {
			t.Errorf("%d fresh clients failed, e.g. %s", len(failures), failures[0])
		}
		if perConn > 64 {
			t.Errorf("a slow connection holds %.1f KiB of heap, bound 64 KiB", perConn)
		}
		settle(t, srv, c0, g0, fd0)
	})
}

// goroutinesBesidesWorkers counts the process's goroutines, less the
// engine's workers.
func goroutinesBesidesWorkers(srv *httpserver.Server) int {
	return runtime.NumGoroutine() - int(srv.Stats().Workers)
}
