package main

import (
	"context"
	"errors"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/websocket"
)

// shutdownWithWebSockets shuts srv down and, at the same time, closes the
// WebSockets of webSockets with 1001 (going away). Both share ctx: the
// server waits for the WebSocket handlers, which end once their close
// handshake does. The server does not track hijacked connections itself,
// hence the group.
func shutdownWithWebSockets(ctx context.Context, srv *httpserver.Server, webSockets *websocket.Group) error {
	wsDone := make(chan error, 1)
	go func() { wsDone <- webSockets.Shutdown(ctx) }()
	err := srv.Shutdown(ctx)
	return errors.Join(err, <-wsDone)
}
