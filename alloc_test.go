//go:build !race

package httpserver

import (
	"context"
	"testing"
)

// TestZeroAllocHotPath pins the plaintext keep-alive path at zero
// allocations per request, server and client together.
func TestZeroAllocHotPath(t *testing.T) {
	buf := make([]byte, 64)
	for _, tc := range []struct {
		name     string
		h        Handler
		req      string
		pipeline int
	}{
		{"plaintext", plaintextHandler, plaintextRequest, 1},
		{"pipelined", plaintextHandler, plaintextRequest, 16},
		{"query and body", HandlerFunc(func(w ResponseWriter, r *Request) {
			n, _ := r.Body.Read(buf)
			w.Header().Set("X-Q", r.Query().Get("a"))
			w.Write(buf[:n])
		}), "POST /p?a=%20b&c=d HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello", 1},
		{"chunked response", HandlerFunc(func(w ResponseWriter, r *Request) {
			w.WriteString("part")
			w.Flush()
		}), "GET / HTTP/1.1\r\nHost: h\r\n\r\n", 1},
		{"two context copies", HandlerFunc(func(w ResponseWriter, r *Request) {
			r2 := r.WithContext(context.Background())
			r3 := r2.WithContext(context.TODO())
			w.WriteString(r3.Path)
		}), plaintextRequest, 1},
	} {
		for _, engine := range engines {
			t.Run(tc.name+"/"+string(engine), func(t *testing.T) {
				s := startServer(t, tc.h, withEngine(engine))
				k := newKeepAliveClient(t, s.addr, tc.req, tc.pipeline)
				allocs := testing.AllocsPerRun(500, func() { k.roundTrip(t, tc.pipeline) })
				if allocs != 0 {
					t.Fatalf("%v allocations per round trip, want 0", allocs)
				}
			})
		}
	}
}
