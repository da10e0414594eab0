package websocket

import (
	"context"

	"github.com/rawsock/httpserver"
)

// eventsEchoHandler accepts with AcceptEvents and echoes every message
// from OnMessage. closed, when not nil, receives OnClose's error.
func eventsEchoHandler(opts *AcceptOptions, closed chan<- error) httpserver.Handler {
	return httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		AcceptEvents(w, r, opts, EventHandler{
			OnMessage: func(c *EventConn, typ MessageType, msg []byte) {
				c.Write(context.Background(), typ, msg)
			},
			OnClose: func(c *EventConn, err error) {
				if closed != nil {
					closed <- err
				}
			},
		})
	})
}
