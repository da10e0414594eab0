//go:build !race

package httpserver

import "testing"

// TestZeroAllocH2CStream pins an HTTP/2 stream served through the Handler
// API at zero allocations once the connection is warm, server and client
// together: the exchange, its Request and ResponseWriter are pooled, the
// Date value is cached, internal/http2 reuses its Stream and goroutines.
func TestZeroAllocH2CStream(t *testing.T) {
	h := HandlerFunc(func(w ResponseWriter, r *Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("X-Q", r.Query().Get("a"))
		w.WriteString("Hello, World!")
	})
	for _, engine := range engines {
		t.Run(string(engine), func(t *testing.T) {
			s := startServer(t, h, withEngine(engine), withH2C)
			k := newH2RawClient(t, s.addr, "/plain?a=b")
			k.wait(1)
			k.roundTrips(256) // warm the pools, the workers and the buffers
			allocs := testing.AllocsPerRun(20, func() { k.roundTrips(32) })
			// Allow a rare map growth or a handler goroutine started when
			// none was idle, as internal/http2's own test does.
			if per := allocs / 32; per > 0.1 {
				t.Fatalf("%.2f allocations per stream", per)
			}
		})
	}
}
