package demo

import (
	"context"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/websocket"
)

// WebSocketReadLimit is the largest message /api/ws echoes; a larger one
// closes the connection with 1009 (message too big).
const WebSocketReadLimit = 1 << 20

// webSocketEcho serves /api/ws: a WebSocket that sends every text and
// binary message back unchanged. permessage-deflate is used when the
// client offers it; clients without Origin (not browsers) are accepted,
// browsers only from the page's own origin. Accept and AcceptEvents
// answer the bad handshakes (405 with Allow: GET, 426 with
// Sec-WebSocket-Version: 13, 400, 403).
//
// Over HTTP/1.1 it uses the event API, with which an idle echo
// connection holds no goroutine, and on the epoll engine no buffer; the
// server's graceful Shutdown closes those with 1001 itself. Otherwise
// (HTTP/2) it reads with the blocking API, in the group opts.WebSockets.
func (h *handler) webSocketEcho(w httpserver.ResponseWriter, r *httpserver.Request) {
	opts := &websocket.AcceptOptions{
		ReadLimit: WebSocketReadLimit,
		Group:     h.opts.WebSockets,
	}
	if r.ProtoMajor == 1 {
		websocket.AcceptEvents(w, r, opts, echoEvents)
		return
	}
	c, err := websocket.Accept(w, r, opts)
	if err != nil {
		return
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
}

// echoEvents sends every message back as it arrives.
var echoEvents = websocket.EventHandler{
	OnMessage: func(c *websocket.EventConn, typ websocket.MessageType, msg []byte) {
		c.Write(context.Background(), typ, msg)
	},
}
