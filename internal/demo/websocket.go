package demo

import (
	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/websocket"
)

// WebSocketReadLimit is the largest message /api/ws echoes; a larger one
// closes the connection with 1009 (message too big).
const WebSocketReadLimit = 1 << 20

// webSocketEcho serves /api/ws: a WebSocket that sends every text and
// binary message back unchanged. permessage-deflate is used when the
// client offers it; clients without Origin (not browsers) are accepted,
// browsers only from the page's own origin. Accept answers the bad
// handshakes (405 with Allow: GET, 426 with Sec-WebSocket-Version: 13,
// 400, 403).
func (h *handler) webSocketEcho(w httpserver.ResponseWriter, r *httpserver.Request) {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		ReadLimit: WebSocketReadLimit,
		Group:     h.opts.WebSockets,
	})
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
