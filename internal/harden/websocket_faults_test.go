package harden

import (
	"bufio"
	"context"
	be "encoding/binary"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/wstest"
	"github.com/rawsock/httpserver/websocket"
)

// wsHandshake is the opening handshake of a WebSocket to path.
func wsHandshake(path string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + wstest.Key + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
}

// TestWebSocketShutdown: many idle WebSockets on the binary's /api/ws,
// then SIGTERM: every one gets a close frame with 1001 (going away), and
// the binary exits within its grace (--shutdown-timeout 10s), on every
// engine. It also reports the binary's memory per idle WebSocket. 200
// WebSockets; 5,000 in the long form.
func TestWebSocketShutdown(t *testing.T) {
	n := size(200, 5000)
	if lim := raiseFileLimit(t); lim < n+200 {
		t.Skipf("RLIMIT_NOFILE %d is too low for %d connections", lim, n)
	}
	const grace = 10 * time.Second
	forEachEngine(t, func(t *testing.T, e httpserver.Engine) {
		p := startBinary(t, e, "--shutdown-timeout", grace.String(), "--max-conns", strconv.Itoa(n+100))
		pid := p.cmd.Process.Pid
		for range 5 {
			if code, err := freshGet(p.addr, "/health", 5*time.Second); err != nil || code != 200 {
				t.Fatalf("warm-up: %d %v", code, err)
			}
		}
		rss0 := rssKiB(t, pid)
		clients := make([]*wstest.Client, n)
		for i := range clients {
			c := wstest.Raw(t, p.addr, wsHandshake("/api/ws"))
			if c.Status() != 101 {
				t.Fatalf("handshake %d: %q", i, c.Head)
			}
			clients[i] = c
		}
		// Each socket echoes once: every handler is in its read loop.
		for _, c := range clients {
			c.Send(wstest.OpText, []byte("hi"))
		}
		for _, c := range clients {
			if op, _, msg := c.RecvMessage(); op != wstest.OpText || string(msg) != "hi" {
				t.Fatalf("echo: %d %q", op, msg)
			}
		}
		time.Sleep(200 * time.Millisecond)
		rss := rssKiB(t, pid)

		codes := make(map[int]int)
		var mu sync.Mutex
		var wg sync.WaitGroup
		start := time.Now()
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		for _, c := range clients {
			wg.Go(func() {
				code := readWSClose(c, grace+5*time.Second)
				mu.Lock()
				codes[code]++
				mu.Unlock()
			})
		}
		wg.Wait()
		var exitErr error
		select {
		case exitErr = <-p.done:
		case <-time.After(grace + 5*time.Second):
			t.Fatalf("the binary did not exit within %v of SIGTERM", grace+5*time.Second)
		}
		exit := time.Since(start)
		t.Logf("%s %d idle WebSockets: RSS %d KiB before, %d KiB with them (%.1f KiB each); SIGTERM: close codes %v, exit %v after it (%v)",
			e, n, rss0, rss, float64(rss-rss0)/float64(n), codes, exit.Round(time.Millisecond), exitErr)
		if codes[1001] != n {
			t.Errorf("%d of %d WebSockets got 1001; all: %v", codes[1001], n, codes)
		}
		if exitErr != nil {
			t.Errorf("exit: %v\n%s", exitErr, p.log)
		}
		if exit > grace {
			t.Errorf("exit %v after SIGTERM, grace %v", exit, grace)
		}
	})
}

// readWSClose reads frames until a close frame, answers it and returns
// its code (0: none, the connection ended first).
func readWSClose(c *wstest.Client, d time.Duration) int {
	c.Conn.SetReadDeadline(time.Now().Add(d))
	for range 1000 {
		f, err := c.Recv()
		if err != nil {
			return 0
		}
		if f.Op == wstest.OpClose {
			c.SendFrameQuiet(f.Data[:min(2, len(f.Data))])
			if len(f.Data) < 2 {
				return 1005
			}
			return int(be.BigEndian.Uint16(f.Data))
		}
	}
	return 0
}

// wsFaultHandler serves the WebSocket faults: /push writes 16 KiB
// messages until a write fails (each may wait 1 s), counting the bytes in
// pushed; /echo echoes messages up to the default read limit (32 KiB).
type wsFaultHandler struct {
	group   *websocket.Group
	pushed  atomic.Int64
	pushEnd chan error
}

func (h *wsFaultHandler) ServeHTTP(w httpserver.ResponseWriter, r *httpserver.Request) {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Group: h.group, CompressionThreshold: 1 << 30})
	if err != nil {
		return
	}
	defer c.CloseNow()
	switch r.Path {
	case "/push":
		msg := make([]byte, 16<<10)
		for {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			err := c.Write(ctx, websocket.MessageBinary, msg)
			cancel()
			if err != nil {
				h.pushEnd <- err
				return
			}
			h.pushed.Add(int64(len(msg)))
		}
	default:
		for {
			typ, msg, err := c.Read(context.Background())
			if err != nil {
				return
			}
			if err := c.Write(context.Background(), typ, msg); err != nil {
				return
			}
		}
	}
}

// TestWebSocketFaults: on every engine, in process: a client that never
// reads while the server writes (the handler's writes stop at what the
// sockets hold and fail at its 1 s deadline), a flood of 20,000 pings
// (5,000 in race builds) from a client that reads nothing until the end, a
// message over the read limit (1009), and a slowloris on the upgrade
// handshake (408 at ReadHeader). The heap stays bounded and everything
// comes back to its baseline.
func TestWebSocketFaults(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e httpserver.Engine) {
		h := &wsFaultHandler{group: new(websocket.Group), pushEnd: make(chan error, 1)}
		addr, srv := startLib(t, e, h, func(s *httpserver.Server) {
			s.Timeouts.ReadHeader = time.Second
			s.Logger = quietLogger()
		})
		// A first request starts what the engine starts once (the
		// epoll loops' descriptors); a plain GET is answered by Accept.
		if code, err := freshGet(addr, "/", 5*time.Second); err != nil || code < 400 {
			t.Fatalf("warm-up: %d %v", code, err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			h.group.Shutdown(ctx)
		})
		faults := []struct {
			name string
			run  func(t *testing.T) string
		}{
			{"never reads", func(t *testing.T) string {
				h.pushed.Store(0)
				nc, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				defer nc.Close()
				nc.(*net.TCPConn).SetReadBuffer(4096)
				io.WriteString(nc, wsHandshake("/push"))
				var werr error
				select {
				case werr = <-h.pushEnd:
				case <-time.After(wait):
					t.Fatal("the handler's Write never failed")
				}
				n := h.pushed.Load()
				if n > 16<<20 {
					t.Errorf("the handler wrote %d bytes to a client that reads nothing", n)
				}
				return fmt.Sprintf("the handler wrote %d KiB, then Write failed (%v)", n>>10, werr)
			}},
			{"ping flood", func(t *testing.T) string {
				c := wstest.Raw(t, addr, wsHandshake("/echo"))
				defer c.Conn.Close()
				payload := make([]byte, 125)
				pings := 20000
				if raceBuild {
					pings = 5000
				}
				var out []byte
				for range pings {
					out = append(out, 0x80|wstest.OpPing, 0x80|125, 0, 0, 0, 0)
					out = append(out, payload...)
				}
				sent := make(chan error, 1)
				go func() {
					c.Conn.SetWriteDeadline(time.Now().Add(wait))
					_, err := c.Conn.Write(out)
					sent <- err
				}()
				time.Sleep(500 * time.Millisecond) // the client reads nothing yet
				pongs := 0
				c.Conn.SetReadDeadline(time.Now().Add(wait))
				for pongs < pings {
					f, err := c.Recv()
					if err != nil {
						t.Fatalf("after %d pongs: %v", pongs, err)
					}
					if f.Op == wstest.OpPong {
						pongs++
					}
				}
				if err := <-sent; err != nil {
					t.Fatal(err)
				}
				c.Send(wstest.OpText, []byte("still here"))
				if op, _, msg := c.RecvMessage(); op != wstest.OpText || string(msg) != "still here" {
					t.Errorf("after the flood: %d %q", op, msg)
				}
				c.Close(1000)
				return fmt.Sprintf("%d pings (%d KiB) written while the client read nothing, %d pongs, then an echo", pings, len(out)>>10, pongs)
			}},
			{"oversized message", func(t *testing.T) string {
				c := wstest.Raw(t, addr, wsHandshake("/echo"))
				defer c.Conn.Close()
				c.Conn.SetDeadline(time.Now().Add(wait))
				c.SendFrame(true, false, wstest.OpBinary, make([]byte, 1<<20))
				c.ExpectClose(1009)
				return "1 MiB message over the 32 KiB limit: 1009"
			}},
			{"slow handshake", func(t *testing.T) string {
				const n = 30
				req := wsHandshake("/echo")
				var wg sync.WaitGroup
				var mu sync.Mutex
				statuses := make(map[string]int)
				var latest time.Duration
				for range n {
					nc, err := net.Dial("tcp", addr)
					if err != nil {
						t.Fatal(err)
					}
					wg.Go(func() {
						defer nc.Close()
						start := time.Now()
						done := make(chan struct{})
						go func() {
							for i := 0; i < len(req)-2; i++ {
								select {
								case <-done:
									return
								case <-time.After(100 * time.Millisecond):
								}
								nc.Write([]byte{req[i]})
							}
						}()
						nc.SetReadDeadline(time.Now().Add(10 * time.Second))
						line, err := bufio.NewReader(nc).ReadString('\n')
						close(done)
						mu.Lock()
						defer mu.Unlock()
						latest = max(latest, time.Since(start))
						if err != nil {
							statuses[err.Error()]++
						} else {
							statuses[strings.TrimSpace(line)]++
						}
					})
				}
				wg.Wait()
				if statuses["HTTP/1.1 408 Request Timeout"] != n || latest > 3*time.Second {
					t.Errorf("slow handshakes: %v, latest after %v; want 408 within ReadHeader (1 s)", statuses, latest)
				}
				return fmt.Sprintf("%d handshakes trickled a byte every 100 ms: %v, latest after %v", n, statuses, latest.Round(time.Millisecond))
			}},
		}
		for _, f := range faults {
			t.Run(strings.ReplaceAll(f.name, " ", "_"), func(t *testing.T) {
				c0 := srv.Stats().Conns
				g0, fd0 := goroutinesBesidesWorkers(srv), openFDs(t)
				h0 := heapInuse()
				w := watchHeap()
				what := f.run(t)
				peak := w.Stop()
				// A plain GET is answered (not upgraded) by Accept.
				if code, err := freshGet(addr, "/", 5*time.Second); err != nil || code < 400 {
					t.Errorf("another client after the fault: %d %v", code, err)
				}
				settle(t, srv, c0, g0, fd0)
				grew := int64(peak) - int64(h0)
				t.Logf("%s WebSocket %s: %s; heap in use peaked %.1f MiB above its baseline", e, f.name, what, float64(grew)/(1<<20))
				if grew > 16<<20 {
					t.Errorf("heap in use grew by %.1f MiB, bound 16 MiB", float64(grew)/(1<<20))
				}
			})
		}
	})
}
