package harden

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
)

// faultHandler serves the client-fault tests:
//
//	/upload          reads the body and answers its length
//	/download?n=N    answers N bytes, written 32 KiB at a time
//	anything else    answers "ok"
func faultHandler(w httpserver.ResponseWriter, r *httpserver.Request) {
	switch r.Path {
	case "/upload":
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			httpserver.Error(w, httpserver.StatusOf(err))
			return
		}
		io.WriteString(w, strconv.FormatInt(n, 10))
	case "/download":
		n, _ := strconv.ParseInt(r.Query().Get("n"), 10, 64)
		w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
		chunk := bytes.Repeat([]byte{'d'}, 32<<10)
		for n > 0 {
			m := min(n, int64(len(chunk)))
			if _, err := w.Write(chunk[:m]); err != nil {
				return
			}
			n -= m
		}
	default:
		io.WriteString(w, "ok")
	}
}

// heapWatch samples the heap in use until stopped and reports its peak.
type heapWatch struct {
	stop chan struct{}
	done chan uint64
}

func watchHeap() *heapWatch {
	h := &heapWatch{stop: make(chan struct{}), done: make(chan uint64, 1)}
	go func() {
		var peak uint64
		var ms runtime.MemStats
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-h.stop:
				h.done <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return h
}

// Stop ends the sampling and returns the peak heap in use.
func (h *heapWatch) Stop() uint64 { close(h.stop); return <-h.done }

func heapInuse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// settle waits until the server's connections, the process's
// goroutines (minus the engine's workers) and its descriptors are back
// to their baselines, and reports what stays above.
func settle(t *testing.T, srv *httpserver.Server, conns int64, goroutines, fds int) {
	t.Helper()
	var g, f int
	var st httpserver.Stats
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		st = srv.Stats()
		g, f = runtime.NumGoroutine()-int(st.Workers), openFDs(t)
		if st.Conns <= conns && g <= goroutines && f <= fds {
			return
		}
	}
	t.Errorf("not back to baseline: %d connections (baseline %d), %d goroutines besides workers (baseline %d), %d descriptors (baseline %d)", st.Conns, conns, g, goroutines, f, fds)
}

// clientFault is one misbehaving client; it returns what it measured, for
// the log, or fails t.
type clientFault struct {
	name string
	run  func(t *testing.T, addr string) string
	// heapBound bounds the growth of the server's heap in use while the
	// fault runs.
	heapBound uint64
}

// resetConn closes nc with a TCP reset (SO_LINGER 0).
func resetConn(nc net.Conn) {
	nc.(*net.TCPConn).SetLinger(0)
	nc.Close()
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(2 * wait))
	return nc
}

func clientFaults() []clientFault {
	big := int64(size(64<<20, 1<<30))
	return []clientFault{
		{name: "reset mid-request", heapBound: 8 << 20, run: func(t *testing.T, addr string) string {
			for range 50 {
				nc := dial(t, addr)
				fmt.Fprintf(nc, "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n%s", strings.Repeat("u", 5000))
				resetConn(nc)
			}
			return "50 uploads reset after 5,000 of 100,000 bytes"
		}},
		{name: "reset mid-response", heapBound: 8 << 20, run: func(t *testing.T, addr string) string {
			for range 20 {
				nc := dial(t, addr)
				io.WriteString(nc, "GET /download?n=16777216 HTTP/1.1\r\nHost: h\r\n\r\n")
				io.ReadFull(nc, make([]byte, 64<<10))
				resetConn(nc)
			}
			return "20 downloads of 16 MiB reset after 64 KiB"
		}},
		{name: "half-closed", heapBound: 8 << 20, run: func(t *testing.T, addr string) string {
			// A client that half-closes after its request still gets
			// the whole response.
			for range 20 {
				nc := dial(t, addr)
				io.WriteString(nc, "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc")
				nc.(*net.TCPConn).CloseWrite()
				res, _, err := readResponse(bufio.NewReader(nc))
				nc.Close()
				if err != nil || res.status != 200 || string(res.body) != "3" {
					t.Fatalf("after half-close: %v %v", res, err)
				}
			}
			return "20 half-closed requests answered in full"
		}},
		{name: "never reads", heapBound: 16 << 20, run: func(t *testing.T, addr string) string {
			// 100 pipelined 1 MiB downloads the client never reads: the
			// server must not buffer them; the write timeout ends it.
			nc := dial(t, addr)
			defer nc.Close()
			nc.(*net.TCPConn).SetReadBuffer(4096)
			req := strings.Repeat("GET /download?n=1048576 HTTP/1.1\r\nHost: h\r\n\r\n", 100)
			io.WriteString(nc, req)
			time.Sleep(3 * time.Second) // past the write timeout
			return "100 pipelined 1 MiB downloads never read, held 3 s"
		}},
		{name: "upload", heapBound: 16 << 20, run: func(t *testing.T, addr string) string {
			nc := dial(t, addr)
			defer nc.Close()
			start := time.Now()
			go func() {
				fmt.Fprintf(nc, "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n", big)
				chunk := bytes.Repeat([]byte{'u'}, 64<<10)
				for n := big; n > 0; n -= int64(len(chunk)) {
					if _, err := nc.Write(chunk[:min(n, int64(len(chunk)))]); err != nil {
						return
					}
				}
			}()
			res, _, err := readResponse(bufio.NewReader(nc))
			if err != nil || res.status != 200 || string(res.body) != strconv.FormatInt(big, 10) {
				t.Fatalf("upload: %v %v", res, err)
			}
			return fmt.Sprintf("%d MiB uploaded in %v", big>>20, time.Since(start).Round(time.Millisecond))
		}},
		{name: "download", heapBound: 16 << 20, run: func(t *testing.T, addr string) string {
			nc := dial(t, addr)
			defer nc.Close()
			start := time.Now()
			fmt.Fprintf(nc, "GET /download?n=%d HTTP/1.1\r\nHost: h\r\n\r\n", big)
			br := bufio.NewReader(nc)
			res, _, err := readResponseHead(br)
			if err != nil || res.status != 200 {
				t.Fatalf("download: %v %v", res, err)
			}
			n, err := readBody(br, res)
			if err != nil || n != big {
				t.Fatalf("download: %d of %d bytes: %v", n, big, err)
			}
			return fmt.Sprintf("%d MiB downloaded in %v", big>>20, time.Since(start).Round(time.Millisecond))
		}},
		{name: "10000 pipelined", heapBound: 16 << 20, run: func(t *testing.T, addr string) string {
			const n = 10000
			nc := dial(t, addr)
			defer nc.Close()
			req := bytes.Repeat([]byte("GET /small HTTP/1.1\r\nHost: h\r\n\r\n"), n)
			var wg sync.WaitGroup
			wg.Go(func() { nc.Write(req) }) // one write of 320 KB
			br := bufio.NewReader(nc)
			for i := range n {
				res, _, err := readResponse(br)
				if err != nil || res.status != 200 || string(res.body) != "ok" {
					t.Fatalf("response %d: %v %v", i, res, err)
				}
			}
			wg.Wait()
			return "10,000 pipelined requests in one write, all answered"
		}},
	}
}

// TestClientFaults: resets mid-request and mid-response, half-closed
// sockets, a client that never reads, a large upload and download (64 MiB;
// 1 GiB in the long form) and 10,000 pipelined requests in one write. The
// server's heap stays bounded, other clients are served, and connections,
// goroutines and descriptors come back to their baselines.
func TestClientFaults(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e httpserver.Engine) {
		addr, srv := startLib(t, e, httpserver.HandlerFunc(faultHandler), func(s *httpserver.Server) {
			s.Limits.MaxBodyBytes = 2 << 30
			s.Timeouts.Write = 2 * time.Second
			s.Logger = quietLogger()
		})
		if code, err := freshGet(addr, "/", 5*time.Second); err != nil || code != 200 {
			t.Fatalf("warm-up: %d %v", code, err)
		}
		for _, f := range clientFaults() {
			t.Run(strings.ReplaceAll(f.name, " ", "_"), func(t *testing.T) {
				c0 := srv.Stats().Conns
				g0, fd0 := runtime.NumGoroutine()-int(srv.Stats().Workers), openFDs(t)
				h0 := heapInuse()
				w := watchHeap()
				what := f.run(t, addr)
				peak := w.Stop()
				if code, err := freshGet(addr, "/", 5*time.Second); err != nil || code != 200 {
					t.Errorf("another client after the fault: %d %v", code, err)
				}
				settle(t, srv, c0, g0, fd0)
				grew := int64(peak) - int64(h0)
				t.Logf("%s %s: %s; heap in use peaked %.1f MiB above its baseline", e, f.name, what, float64(grew)/(1<<20))
				if grew > int64(f.heapBound) {
					t.Errorf("heap in use grew by %d bytes, bound %d", grew, f.heapBound)
				}
			})
		}
	})
}

// TestPipelinedAtBufferBoundary: 129 pipelined requests of 32 bytes in one
// write, 4,128 bytes, are all answered. The epoll engine answers 128 and
// then waits for the idle timeout: its event loop read exactly one 4 KiB
// buffer (readClaimed), the worker served the 128 requests in it, and
// park found no pending edge, although 32 bytes are still unread in the
// socket and no new edge will come (EPOLLET). Every input that ends a
// full buffer at a request boundary stalls the same way.
func TestPipelinedAtBufferBoundary(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e httpserver.Engine) {
		addr, _ := startLib(t, e, httpserver.HandlerFunc(faultHandler))
		const n = 129
		req := "GET /small HTTP/1.1\r\nHost: h\r\n\r\n"
		if len(req) != 32 {
			t.Fatalf("request of %d bytes", len(req))
		}
		nc := dial(t, addr)
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(nc, strings.Repeat(req, n)); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(nc)
		for i := range n {
			res, _, err := readResponse(br)
			if err != nil || res.status != 200 {
				t.Fatalf("response %d of %d: %v %v", i+1, n, res, err)
			}
		}
	})
}

// TestHalfClosedClientIsClosed: a client that sends a request and
// half-closes gets its response and then the server's close, at once,
// not after the idle timeout. The epoll engine sometimes keeps such a
// connection open: when the FIN arrives before the event loop reads the
// request, the loop's one read (readClaimed) takes the request without
// reaching end of input, and park waits for an edge that already came.
func TestHalfClosedClientIsClosed(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e httpserver.Engine) {
		addr, srv := startLib(t, e, httpserver.HandlerFunc(faultHandler))
		const n = 50
		stuck := 0
		for range n {
			nc := dial(t, addr)
			// One write holds the request; the FIN follows at once.
			io.WriteString(nc, "GET /small HTTP/1.1\r\nHost: h\r\n\r\n")
			nc.(*net.TCPConn).CloseWrite()
			nc.SetReadDeadline(time.Now().Add(time.Second))
			br := bufio.NewReader(nc)
			if res, _, err := readResponse(br); err != nil || res.status != 200 {
				t.Fatalf("response: %v %v", res, err)
			}
			if _, err := br.ReadByte(); err != io.EOF {
				stuck++ // a timeout: the server did not close
			}
			nc.Close()
		}
		if stuck > 0 {
			t.Errorf("%d of %d half-closed connections not closed by the server within 1 s (%d still open)", stuck, n, srv.Stats().Conns)
		}
	})
}
