// Command websocket-echo serves a WebSocket echo at /echo with the
// websocket package: text and binary messages come back unchanged,
// permessage-deflate is used when the client offers it, and Ctrl-C or
// SIGTERM closes every open WebSocket with 1001 before the server stops.
//
//	go run ./examples/websocket-echo -addr :8080
//	# then, from a browser console on http://localhost:8080/:
//	#   ws = new WebSocket('ws://localhost:8080/echo'); ws.onmessage = e => console.log(e.data); ws.onopen = () => ws.send('hi')
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/websocket"
)

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	flag.Parse()

	sockets := new(websocket.Group)
	srv := &httpserver.Server{
		Addr:     *addr,
		Handler:  newHandler(sockets),
		Timeouts: httpserver.Timeouts{ReadHeader: 5 * time.Second},
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	drained := make(chan error, 1)
	go func() {
		<-ctx.Done()
		stop()
		grace, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		// The server's Shutdown sends 1001 (going away) to the
		// WebSockets Accept made; the Group closes the same ones from
		// the program's side, so that it can also stop without the server.
		wsDone := make(chan error, 1)
		go func() { wsDone <- sockets.Shutdown(grace) }()
		drained <- errors.Join(srv.Shutdown(grace), <-wsDone)
	}()

	log.Printf("listening on %s", *addr)
	if err := srv.ListenAndServe(); !errors.Is(err, httpserver.ErrServerClosed) {
		log.Fatal(err)
	}
	if err := <-drained; err != nil {
		log.Fatalf("shutdown: %v", err)
	}
}

// newHandler answers /echo with the WebSocket echo and everything else
// with 404.
func newHandler(sockets *websocket.Group) httpserver.Handler {
	return httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		if r.Path != "/echo" {
			httpserver.Error(w, httpserver.StatusNotFound)
			return
		}
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{
			ReadLimit:    1 << 20,
			PingInterval: 30 * time.Second, // drop peers silent for a minute
			Group:        sockets,
		})
		if err != nil {
			return // Accept has answered the bad handshake
		}
		defer c.CloseNow()
		for {
			typ, msg, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if err := c.Write(r.Context(), typ, msg); err != nil {
				return
			}
		}
	})
}
