package main

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/wstest"
	"github.com/rawsock/httpserver/websocket"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestEchoAndShutdown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sockets := new(websocket.Group)
	srv := &httpserver.Server{Handler: newHandler(sockets)}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	addr := ln.Addr().String()

	c := wstest.Dial(t, addr, "/echo")
	if c.Status() != 101 {
		t.Fatalf("handshake:\n%s", c.Head)
	}
	c.Send(wstest.OpText, []byte("hello"))
	if op, _, msg := c.RecvMessage(); op != wstest.OpText || string(msg) != "hello" {
		t.Fatalf("echo: %d %q", op, msg)
	}
	if c := wstest.Raw(t, addr, "GET /other HTTP/1.1\r\nHost: x\r\n\r\n"); c.Status() != 404 {
		t.Errorf("/other: %d", c.Status())
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- sockets.Shutdown(ctx) }()
	c.ExpectClose(1001)
	if err := <-shut; err != nil {
		t.Fatalf("websocket shutdown: %v", err)
	}
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("server shutdown: %v", err)
	}
	<-done
}
