package httpserver

import (
	"bufio"
	"context"
	"net"
	"testing"
	"time"
)

// TestShutdownClosesManyConns: Shutdown and Close reach every one of more
// connections than a chunk of the server's set holds (connSet), idle
// keep-alive connections each having served a request, and leave none
// tracked.
func TestShutdownClosesManyConns(t *testing.T) {
	const n = connChunkSize + connChunkSize/4
	for _, stop := range []string{"Shutdown", "Close"} {
		t.Run(stop, func(t *testing.T) {
			forEachEngine(t, func(t *testing.T, start func(Handler, ...func(*Server)) *testServer) {
				s := start(HandlerFunc(func(w ResponseWriter, r *Request) { w.WriteString("ok") }))
				conns := make([]net.Conn, n)
				readers := make([]*bufio.Reader, n)
				for i := range n {
					c, br := s.rawConn(t)
					if _, body := roundTrip(t, c, br, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "GET"); body != "ok" {
						t.Fatalf("connection %d: body %q", i, body)
					}
					conns[i], readers[i] = c, br
				}
				awaitConns(t, s.Server, n)
				if stop == "Close" {
					s.Close()
				} else {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					if err := s.Shutdown(ctx); err != nil {
						t.Fatalf("Shutdown: %v", err)
					}
					if got := s.Stats().Conns; got != 0 {
						t.Fatalf("%d connections tracked after Shutdown", got)
					}
				}
				for i, c := range conns {
					expectClosed(t, c, readers[i])
				}
				awaitConns(t, s.Server, 0)
			})
		})
	}
}
