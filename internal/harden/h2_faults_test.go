package harden

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/http2"
)

// response reads the frames of stream id up to its end and returns the
// status (from the first HEADERS, decoded only as far as ":status" 200 is
// concerned: the first octet 0x88 is HPACK's indexed ":status: 200") and
// the body length. Other streams' frames are skipped.
func (c *h2Raw) response(id uint32, d time.Duration) (ok200 bool, body int, err error) {
	c.nc.SetReadDeadline(time.Now().Add(d))
	for {
		f, err := c.fr.ReadFrame()
		if err != nil {
			return ok200, body, err
		}
		if f.StreamID != id {
			if f.Type == http2.FrameGoAway {
				continue
			}
			continue
		}
		switch f.Type {
		case http2.FrameHeaders:
			if len(f.Data) > 0 && f.Data[0] == 0x88 {
				ok200 = true
			}
		case http2.FrameData:
			body += len(f.Data)
			if f.FlowLen > 0 {
				// Give the window back, stream and connection.
				c.nc.Write(append(http2.AppendWindowUpdate(nil, 0, f.FlowLen), http2.AppendWindowUpdate(nil, id, f.FlowLen)...))
			}
		case http2.FrameRSTStream:
			return ok200, body, fmt.Errorf("stream reset: %v", f.ErrCode)
		}
		if f.Flags.Has(http2.FlagEndStream) {
			return ok200, body, nil
		}
	}
}

// TestH2ClientFaults: over h2c and TLS (see forEachH2), on every engine:
// streams reset mid-upload and mid-download leave the connection serving;
// a client that never reads (its windows shut) makes the handler's writes
// stop at the flow-control bound and fail at the write timeout; a large
// upload and download (64 MiB, 16 MiB in race builds; 1 GiB in the long
// form) with net/http. The heap stays bounded, and connections, goroutines
// and descriptors come back to their baselines.
func TestH2ClientFaults(t *testing.T) {
	big := int64(size(64<<20, 1<<30))
	if raceBuild && !long() {
		big = 16 << 20 // HTTP/2 over TLS in a race build: 64 MiB took 5-10 s each way
	}
	forEachH2(t, httpserver.EnginePool, func(t *testing.T, e httpserver.Engine, m h2Mode) {
		var written atomic.Int64
		stalled := make(chan error, 1)
		h := httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
			if r.Path != "/never-read" {
				faultHandler(w, r)
				return
			}
			chunk := make([]byte, 32<<10)
			for {
				if _, err := w.Write(chunk); err != nil {
					stalled <- err
					return
				}
				written.Add(int64(len(chunk)))
			}
		})
		// The client that never reads meets a 1 s write timeout; the
		// others, a server with the default one (a large transfer on a
		// busy machine, in a race build, may leave a window shut for
		// over a second, and the server rightly resets such a stream).
		addr, srv := startH2(t, e, m, h, func(s *httpserver.Server) {
			s.Limits.MaxBodyBytes = 2 << 30
		})
		slowAddr, slowSrv := startH2(t, e, m, h, func(s *httpserver.Server) {
			s.Timeouts.Write = time.Second
		})
		warmH2(t, m, addr)
		warmH2(t, m, slowAddr)
		faults := []struct {
			name string
			run  func(t *testing.T) string
		}{
			{"resets mid-stream", func(t *testing.T) string {
				nc, err := dialH2(t, addr, m, 0)
				if err != nil {
					t.Fatal(err)
				}
				defer nc.Close()
				c, _ := newH2Raw(nc, true)
				id := uint32(1)
				for range 10 {
					// Upload: 5,000 of 100,000 bytes, then RST_STREAM.
					b := c.headers(id, "POST", "/upload", false, "content-length", "100000")
					b = http2.AppendData(b, id, false, make([]byte, 5000))
					nc.Write(http2.AppendRSTStream(b, id, http2.ErrCodeCancel))
					id += 2
					// Download: 16 MiB asked, reset after the first window.
					nc.Write(c.headers(id, "GET", "/download?n="+strconv.Itoa(16<<20), true))
					got := 0
					nc.SetReadDeadline(time.Now().Add(5 * time.Second))
					for got < 32<<10 {
						f, err := c.fr.ReadFrame()
						if err != nil {
							t.Fatalf("download before the reset: %v", err)
						}
						if f.Type == http2.FrameData && f.StreamID == id {
							got += len(f.Data)
						}
						if f.Type == http2.FrameData && f.FlowLen > 0 {
							// The connection's window, for the next ones.
							nc.Write(http2.AppendWindowUpdate(nil, 0, f.FlowLen))
						}
					}
					nc.Write(http2.AppendRSTStream(nil, id, http2.ErrCodeCancel))
					id += 2
				}
				nc.Write(c.headers(id, "GET", "/", true))
				ok, n, err := c.response(id, 5*time.Second)
				if !ok || n != 2 || err != nil {
					t.Errorf("a request after 20 resets on the connection: 200 %v, %d bytes, %v", ok, n, err)
				}
				return "10 uploads reset after 5,000 bytes, 10 downloads reset after 32 KiB, the connection served on"
			}},
			{"never reads", func(t *testing.T) string {
				written.Store(0)
				nc, err := dialH2(t, slowAddr, m, 4096)
				if err != nil {
					t.Fatal(err)
				}
				defer nc.Close()
				c, _ := newH2Raw(nc, true)
				start := time.Now()
				nc.Write(c.headers(1, "GET", "/never-read", true))
				var werr error
				select {
				case werr = <-stalled:
				case <-time.After(wait):
					t.Fatal("the handler's Write never failed")
				}
				took := time.Since(start)
				n := written.Load()
				// The peer's windows (65,535 octets each, never
				// updated) and the stream's write buffer (64 KiB)
				// bound what the handler can write, whatever it asks.
				if n > 65535+64<<10+32<<10 {
					t.Errorf("the handler wrote %d bytes to a client that reads nothing", n)
				}
				if took > 5*time.Second {
					t.Errorf("the handler's Write failed after %v; the write timeout is 1 s", took)
				}
				return fmt.Sprintf("the handler wrote %d KiB, then Write failed after %v (%v)", n>>10, took.Round(time.Millisecond), werr)
			}},
			{"large upload and download", func(t *testing.T) string {
				c := h2Client(t, m, false)
				start := time.Now()
				res, err := c.Post(h2URL(m, addr, "/upload"), "application/octet-stream", io.LimitReader(zeros{}, big))
				if err != nil {
					t.Fatal(err)
				}
				reply, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if string(reply) != strconv.FormatInt(big, 10) || res.ProtoMajor != 2 {
					t.Errorf("upload: %s %q", res.Proto, reply)
				}
				up := time.Since(start)
				start = time.Now()
				res, err = c.Get(h2URL(m, addr, "/download?n="+strconv.FormatInt(big, 10)))
				if err != nil {
					t.Fatal(err)
				}
				n, err := io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if n != big || err != nil {
					t.Errorf("download: %d of %d bytes, %v", n, big, err)
				}
				c.Transport.(*http.Transport).CloseIdleConnections()
				return fmt.Sprintf("%d MiB up in %v, down in %v", big>>20, up.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
			}},
		}
		for _, f := range faults {
			t.Run(strings.ReplaceAll(f.name, " ", "_"), func(t *testing.T) {
				// Goroutines besides both servers' workers.
				goroutines := func() int {
					return runtime.NumGoroutine() - int(srv.Stats().Workers) - int(slowSrv.Stats().Workers)
				}
				c0, c1 := srv.Stats().Conns, slowSrv.Stats().Conns
				g0, fd0 := goroutines(), openFDs(t)
				h0 := heapInuse()
				w := watchHeap()
				what := f.run(t)
				peak := w.Stop()
				var c, c2 int64
				var g, fd int
				for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
					c, c2, g, fd = srv.Stats().Conns, slowSrv.Stats().Conns, goroutines(), openFDs(t)
					if c <= c0 && c2 <= c1 && g <= g0 && fd <= fd0 {
						break
					}
				}
				if c > c0 || c2 > c1 || g > g0 || fd > fd0 {
					t.Errorf("not back to baseline: %d+%d connections (baseline %d+%d), %d goroutines besides workers (baseline %d), %d descriptors (baseline %d)", c, c2, c0, c1, g, g0, fd, fd0)
				}
				grew := int64(peak) - int64(h0)
				t.Logf("%s %s %s: %s; heap in use peaked %.1f MiB above its baseline", e, m, f.name, what, float64(grew)/(1<<20))
				if grew > 16<<20 {
					t.Errorf("heap in use grew by %.1f MiB, bound 16 MiB", float64(grew)/(1<<20))
				}
			})
		}
	})
}

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestH2ShutdownUnderLoad: Shutdown while 8 HTTP/2 clients keep 4 requests
// each in flight (each handler takes 50 ms), over h2c and TLS (see
// forEachH2), on every engine. A raw client with a request in flight sees
// GOAWAY, then its whole response, then the close; every request whose
// handler started gets its whole response; Shutdown returns nil well
// within its 5 s grace.
func TestH2ShutdownUnderLoad(t *testing.T) {
	forEachH2(t, httpserver.EngineEpoll, func(t *testing.T, e httpserver.Engine, m h2Mode) {
		var started sync.Map
		var nStarted, nFinished atomic.Int64
		body := strings.Repeat("x", 1024)
		release := make(chan struct{})
		h := httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
			id := r.Header.Get("X-Id")
			if id == "raw" {
				<-release
			}
			started.Store(id, true)
			nStarted.Add(1)
			defer nFinished.Add(1)
			time.Sleep(50 * time.Millisecond)
			io.WriteString(w, body)
		})
		addr, srv := startH2(t, e, m, h)
		warmH2(t, m, addr)

		// The raw client's request stays in flight until after GOAWAY.
		nc, err := dialH2(t, addr, m, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		raw, _ := newH2Raw(nc, true)
		nc.Write(raw.headers(1, "GET", "/", true, "x-id", "raw"))

		var completed, failed atomic.Int64
		var mu sync.Mutex
		var cut []string
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for i := range 8 {
			c := h2Client(t, m, false)
			for j := range 4 {
				wg.Go(func() {
					for k := 0; k < 10000; k++ {
						select {
						case <-stop:
							return
						default:
						}
						id := fmt.Sprintf("%d-%d-%d", i, j, k)
						req, _ := http.NewRequest("GET", h2URL(m, addr, "/"), nil)
						req.Header.Set("X-Id", id)
						res, err := c.Do(req)
						if err != nil {
							failed.Add(1)
							if _, ok := started.Load(id); ok {
								mu.Lock()
								cut = append(cut, id+": "+err.Error())
								mu.Unlock()
							}
							time.Sleep(10 * time.Millisecond) // refused: the listener is closed
							continue
						}
						b, err := io.ReadAll(res.Body)
						res.Body.Close()
						if err != nil || string(b) != body {
							mu.Lock()
							cut = append(cut, fmt.Sprintf("%s: %d bytes, %v", id, len(b), err))
							mu.Unlock()
							continue
						}
						completed.Add(1)
					}
				})
			}
		}
		time.Sleep(200 * time.Millisecond)
		shut := make(chan error, 1)
		start := time.Now()
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			shut <- srv.Shutdown(ctx)
		}()
		end := raw.readUntilEnd(5*time.Second, nil)
		close(release)
		ok, n, rerr := raw.response(1, 5*time.Second)
		after := raw.readUntilEnd(5*time.Second, nil)
		var err2 error
		select {
		case err2 = <-shut:
		case <-time.After(10 * time.Second):
			t.Fatal("Shutdown did not return")
		}
		took := time.Since(start)
		close(stop)
		wg.Wait()
		if !end.goAway || end.code != http2.ErrCodeNo {
			t.Errorf("the raw client saw %s, want GOAWAY NO_ERROR", end)
		}
		if !ok || n != len(body) || rerr != nil {
			t.Errorf("the raw client's in-flight response after GOAWAY: 200 %v, %d bytes, %v", ok, n, rerr)
		}
		if !errors.Is(after.err, io.EOF) && !isReset(after.err) {
			t.Errorf("after its response the raw client's connection: %s, want closed", after)
		}
		if err2 != nil {
			t.Errorf("Shutdown: %v", err2)
		}
		// Shutdown returned: every handler should have, too.
		ns, nf := nStarted.Load(), nFinished.Load()
		t.Logf("%s %s shutdown under load: returned %v after %v; %d responses complete, %d requests failed (never started), %d handlers started, %d finished, %d cut",
			e, m, err2, took.Round(time.Millisecond), completed.Load(), failed.Load(), ns, nf, len(cut))
		if len(cut) > 0 {
			t.Errorf("%d in-flight responses cut, e.g. %s", len(cut), cut[0])
		}
		if ns != nf {
			t.Errorf("%d handlers started, %d finished when Shutdown returned", ns, nf)
		}
	})
}

// h2CapState describes the server's connections and the process's
// descriptors, for a failure of TestH2MaxConns.
func h2CapState(srv *httpserver.Server) string {
	fds, _ := os.ReadDir("/proc/self/fd")
	st := srv.Stats()
	return fmt.Sprintf("server: %d connections, %d rejected, %d workers (%d busy), queue %d; process: %d descriptors, %d goroutines",
		st.Conns, st.Rejected, st.Workers, st.BusyWorkers, st.QueueDepth, len(fds), runtime.NumGoroutine())
}

// goroutines returns the stacks of every goroutine, at most 64 KiB.
func goroutines() string {
	buf := make([]byte, 64<<10)
	return string(buf[:runtime.Stack(buf, true)])
}

// TestH2MaxConns: with MaxConns 20 held by HTTP/2 connections, 20 more
// clients are refused at once (the canned 503, or the close, within a
// second), over h2c and TLS (see forEachH2), on every engine; once the
// holders close, a fresh HTTP/2 client is served again.
func TestH2MaxConns(t *testing.T) {
	const limit = 20
	forEachH2(t, httpserver.EngineGoroutine, func(t *testing.T, e httpserver.Engine, m h2Mode) {
		addr, srv := startH2(t, e, m, httpserver.HandlerFunc(faultHandler), func(s *httpserver.Server) {
			s.Limits.MaxConns = limit
		})
		var holders []*h2Raw
		for range limit {
			nc, err := dialH2(t, addr, m, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			c, _ := newH2Raw(nc, true)
			// The server's SETTINGS: it took the holder as HTTP/2.
			nc.SetReadDeadline(time.Now().Add(10 * time.Second))
			if f, err := c.fr.ReadFrame(); err != nil || f.Type != http2.FrameSettings {
				t.Fatalf("holder %d: %v, want the server's SETTINGS (%s)", len(holders), err, h2CapState(srv))
			}
			holders = append(holders, c)
		}
		for deadline := time.Now().Add(5 * time.Second); srv.Stats().Conns != limit; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d HTTP/2 holders: %s", limit, h2CapState(srv))
			}
		}
		var lat []time.Duration
		refused := 0
		for i := range limit {
			start := time.Now()
			nc, err := dialH2(t, addr, m, 0)
			if err != nil {
				// The TLS handshake may fail: the server wrote its 503 and
				// closed instead of answering the hello with h2.
				refused++
				lat = append(lat, time.Since(start))
				continue
			}
			nc.SetReadDeadline(time.Now().Add(5 * time.Second))
			b, err := io.ReadAll(io.LimitReader(nc, 64))
			nc.Close()
			if isTimeout(err) {
				// Neither refused nor served: what the server was doing
				// says why (a CI run saw 17 of 20 clients wait so).
				t.Fatalf("client %d over the cap: no answer and no close in 5 s (%s)\n%s", i, h2CapState(srv), goroutines())
			}
			if strings.HasPrefix(string(b), "HTTP/1.1 503 ") || len(b) == 0 {
				refused++
			} else {
				t.Errorf("over the cap: %q", b)
			}
			lat = append(lat, time.Since(start))
		}
		p99 := percentile(lat, 99)
		for _, c := range holders {
			c.nc.Close()
		}
		start := time.Now()
		var back time.Duration
		for deadline := start.Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			c := h2Client(t, m, true)
			res, err := c.Get(h2URL(m, addr, "/"))
			if err == nil {
				res.Body.Close()
				if res.StatusCode == 200 && res.ProtoMajor == 2 {
					back = time.Since(start)
					break
				}
			}
		}
		t.Logf("%s %s MaxConns %d held by HTTP/2 connections: %d of %d new clients refused, p99 %v; served again %v after the holders closed",
			e, m, limit, refused, limit, p99.Round(10*time.Microsecond), back.Round(time.Millisecond))
		if refused != limit {
			t.Errorf("%d of %d clients over the cap refused", refused, limit)
		}
		if p99 > time.Second {
			t.Errorf("refusals took up to %v (p99)", p99)
		}
		if back == 0 {
			t.Error("no HTTP/2 client served within 5 s after the holders closed")
		}
	})
}
