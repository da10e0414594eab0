package main

import (
	"net"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/bench/internal/harness"
	"github.com/rawsock/httpserver/websocket"
)

// serveOwn serves the echo with the blocking API of the websocket
// package, written as in its package documentation.
func serveOwn(ln net.Listener, engine httpserver.Engine) func() {
	group := &websocket.Group{}
	opts := &websocket.AcceptOptions{
		Compression: websocket.CompressionDisabled,
		ReadLimit:   readLimit,
		Group:       group,
	}
	s := &httpserver.Server{
		Engine: engine,
		// The idle test holds 10,000 WebSockets.
		Limits: httpserver.Limits{MaxConns: -1},
		Pool:   httpserver.PoolOptions{MaxWorkers: 20000},
		Handler: httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
			c, err := websocket.Accept(w, r, opts)
			if err != nil {
				return // Accept has answered
			}
			defer c.CloseNow()
			ctx := r.Context()
			for {
				typ, msg, err := c.Read(ctx)
				if err != nil {
					return
				}
				if err := c.Write(ctx, typ, msg); err != nil {
					return
				}
			}
		}),
	}
	go s.Serve(ln)
	return func() { harness.Shutdown(group.Shutdown, s.Shutdown) }
}
