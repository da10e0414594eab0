package main

import (
	"log"
	"net"
	"net/http"

	coder "github.com/coder/websocket"
	"github.com/gorilla/websocket"
	"github.com/lesismal/nbio/nbhttp"
	nbws "github.com/lesismal/nbio/nbhttp/websocket"
	"github.com/rawsock/httpserver/bench/internal/harness"
)

// serveGorilla serves the echo with gorilla/websocket on net/http, in the
// shape of its examples/echo: NextReader/NextWriter with io.Copy would
// save a copy, but ReadMessage/WriteMessage is what most code does.
func serveGorilla(ln net.Listener) func() {
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	s := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		c.SetReadLimit(readLimit)
		for {
			typ, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(typ, msg); err != nil {
				return
			}
		}
	})}
	go s.Serve(ln)
	return func() { harness.Shutdown(s.Shutdown) }
}

// serveCoder serves the echo with coder/websocket on net/http, as in its
// echo example but with whole messages (Read/Write).
func serveCoder(ln net.Listener) func() {
	s := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := coder.Accept(w, r, &coder.AcceptOptions{CompressionMode: coder.CompressionDisabled})
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(readLimit)
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
	})}
	go s.Serve(ln)
	return func() { harness.Shutdown(s.Shutdown) }
}

// serveNbio serves the echo with nbio's nbhttp engine and its WebSocket
// upgrader in the non-blocking I/O mode (the default, IOModNonBlocking):
// connections live on nbio's epoll pollers, OnMessage is called per
// message, and the payload buffer goes back to nbio's pool after the call
// (ReleaseWebsocketPayload), as its examples and its own benchmark
// (lesismal/go-websocket-benchmark, nbio_nonblocking) configure it.
func serveNbio(ln net.Listener) func() {
	addr := ln.Addr().String()
	ln.Close() // nbhttp listens itself
	up := nbws.NewUpgrader()
	up.EnableCompression(false)
	up.MessageLengthLimit = readLimit
	up.KeepaliveTime = 0 // no read deadline on idle WebSockets, as for the others
	up.OnMessage(func(c *nbws.Conn, typ nbws.MessageType, data []byte) {
		c.WriteMessage(typ, data)
	})
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		if _, err := up.Upgrade(w, r, nil); err != nil {
			return
		}
	})
	e := nbhttp.NewEngine(nbhttp.Config{
		Network:                 "tcp",
		Addrs:                   []string{addr},
		Handler:                 mux,
		IOMod:                   nbhttp.IOModNonBlocking,
		MaxLoad:                 1 << 20,
		ReleaseWebsocketPayload: true,
	})
	if err := e.Start(); err != nil {
		log.Fatal(err)
	}
	return func() { harness.Shutdown(e.Shutdown) }
}
