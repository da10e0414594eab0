package harden

import (
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
)

// TestMaxConnsOverflow: with --max-conns 50 held by slow clients, new
// clients get 503 with Retry-After quickly; once the holders leave, new
// clients are served again.
func TestMaxConnsOverflow(t *testing.T) {
	const maxConns = 50
	forEachEngine(t, func(t *testing.T, e httpserver.Engine) {
		p := startBinary(t, e, "--max-conns", fmt.Sprint(maxConns), "--read-header-timeout", "30s")
		var holders []net.Conn
		defer func() {
			for _, nc := range holders {
				nc.Close()
			}
		}()
		for range maxConns {
			nc := dial(t, p.addr)
			io.WriteString(nc, "GET / HTTP/1.1\r\nHost: h\r\n") // a head that never ends
			holders = append(holders, nc)
		}
		time.Sleep(300 * time.Millisecond) // every holder accepted

		var lat []time.Duration
		for i := range 100 {
			nc := dial(t, p.addr)
			start := time.Now()
			io.WriteString(nc, "GET /health HTTP/1.1\r\nHost: h\r\n\r\n")
			res, _, err := readResponse(newReader(nc))
			lat = append(lat, time.Since(start))
			nc.Close()
			if err != nil || res.status != 503 || res.header["retry-after"] == "" {
				t.Fatalf("client %d beyond the cap: %+v %v", i, res, err)
			}
		}
		p99 := percentile(lat, 99)
		t.Logf("max-conns %s: 100 clients beyond the cap all got 503 + Retry-After, p50=%v p99=%v", e,
			percentile(lat, 50).Round(10*time.Microsecond), p99.Round(10*time.Microsecond))
		if p99 > time.Second {
			t.Errorf("503 p99 %v, want well under a second", p99)
		}

		for _, nc := range holders {
			nc.Close()
		}
		holders = nil
		start := time.Now()
		for {
			code, err := freshGet(p.addr, "/health", 5*time.Second)
			if err == nil && code == 200 {
				break
			}
			if time.Since(start) > 5*time.Second {
				t.Fatalf("not serving 5 s after the load dropped: %d %v", code, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Logf("max-conns %s: serving again %v after the holders closed", e, time.Since(start).Round(time.Millisecond))
		for range 60 { // more than the cap, one at a time: all served
			if code, err := freshGet(p.addr, "/health", 5*time.Second); err != nil || code != 200 {
				t.Fatalf("after recovery: %d %v", code, err)
			}
		}
	})
}
