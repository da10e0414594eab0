//go:build wsevents

package main

// The event-driven API of the websocket package (AcceptEvents, from
// h/wsevents). ws.sh builds with -tags wsevents when ../websocket has
// AcceptEvents; without the tag, httpserver-epoll-events exits with
// status 3 and ws.sh skips it.

import (
	"context"
	"net"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/bench/internal/harness"
	"github.com/rawsock/httpserver/websocket"
)

func init() {
	servers["httpserver-epoll-events"] = func(ln net.Listener) func() { return serveEvents(ln, httpserver.EngineEpoll) }
}

// serveEvents serves the echo with AcceptEvents: OnMessage writes the
// message back; between messages a connection holds no goroutine.
func serveEvents(ln net.Listener, engine httpserver.Engine) func() {
	opts := &websocket.AcceptOptions{Compression: websocket.CompressionDisabled, ReadLimit: readLimit}
	echo := websocket.EventHandler{OnMessage: func(c *websocket.EventConn, typ websocket.MessageType, msg []byte) {
		c.Write(context.Background(), typ, msg)
	}}
	s := &httpserver.Server{
		Engine: engine,
		Limits: httpserver.Limits{MaxConns: -1},
		Handler: httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
			websocket.AcceptEvents(w, r, opts, echo)
		}),
	}
	go s.Serve(ln)
	return func() { harness.Shutdown(s.Shutdown) }
}
