//go:build linux && !race

package httpserver

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"runtime"
	"testing"
	"time"
)

// maxIdleTLSHeap is the most live heap an idle TLS keep-alive connection
// of the epoll engine may hold, measured with Go's default client hello
// (an X25519MLKEM768 key share, about 1.5 KiB). What it holds is
// crypto/tls's: the tls.Conn (896 bytes), two AES-GCM states (896 each),
// the handshake buffer at the ClientHello's size (1.5 KiB) and the raw
// input buffer (576 bytes), traffic and exporter secrets; and ours: conn,
// fdConn, helloRecords, about 0.4 KiB. With the test's own client
// sockets this measured 5.7 KiB; before helloRecords and the per-exchange
// ConnectionState, 7.2 KiB (a 2 KiB raw input buffer, a ConnectionState).
// The bound lies between, about 0.8 KiB from each.
const maxIdleTLSHeap = 6<<10 + 512

// TestTLSIdleConnHeapEpoll: the live heap the epoll engine holds for
// each idle TLS keep-alive connection, after one request, stays under
// maxIdleTLSHeap. The clients keep only their TCP sockets, so that what
// is measured (after a GC) is the server's side.
func TestTLSIdleConnHeapEpoll(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 300 TLS connections")
	}
	const n = 300
	s, tc := startTLSServer(t, HandlerFunc(func(w ResponseWriter, r *Request) { w.WriteString("ok") }), withEngine(EngineEpoll))
	cfg := &tls.Config{RootCAs: tc.pool, ServerName: "localhost", NextProtos: []string{alpnHTTP1}}
	raws := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range raws {
			c.Close()
		}
	}()
	dial := func() net.Conn {
		raw, err := net.DialTimeout("tcp", s.addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		raw.SetDeadline(time.Now().Add(10 * time.Second))
		c := tls.Client(raw, cfg)
		if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(c)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			if line == "\r\n" {
				break
			}
		}
		body := make([]byte, 2)
		if _, err := io.ReadFull(br, body); err != nil || string(body) != "ok" {
			t.Fatalf("answer body %q: %v", body, err)
		}
		if cs := c.ConnectionState(); cs.CurveID != tls.X25519MLKEM768 {
			t.Fatalf("key exchange %v, want X25519MLKEM768 (Go's default)", cs.CurveID)
		}
		return raw // the client's tls.Conn becomes garbage
	}
	raws = append(raws, dial()) // the first connection's one-time costs (pools, loop) stay out
	before := liveHeap(t)
	for range n {
		raws = append(raws, dial())
	}
	per := (liveHeap(t) - before) / n
	t.Logf("live heap per idle TLS connection: %d bytes (bound %d)", per, maxIdleTLSHeap)
	if per > maxIdleTLSHeap {
		t.Errorf("an idle TLS connection holds %d bytes of live heap, want at most %d", per, maxIdleTLSHeap)
	}
}

// liveHeap returns the live heap once the server's workers have parked
// their connections (the pool is empty of running work) and two GCs have
// emptied sync.Pools of what they no longer need.
func liveHeap(t *testing.T) int64 {
	t.Helper()
	time.Sleep(200 * time.Millisecond) // the last answers' workers park their connections
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
