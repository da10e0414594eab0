// Command chat serves a chat room: a page with a little JavaScript, and a
// WebSocket where every message a member sends reaches every member
// (package room). A member too slow to take the room's messages is
// dropped, so it cannot stall the others. Ctrl-C or SIGTERM closes every
// WebSocket with 1001 while the server drains.
//
//	go run ./examples/chat -addr :8080
//	# then open http://localhost:8080/?name=alice and
//	# http://localhost:8080/?name=bob in two browser tabs
//
// With -cert and -key it serves HTTPS, where browsers open the WebSocket
// on the page's HTTP/2 connection (RFC 8441 extended CONNECT).
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
	"github.com/rawsock/httpserver/examples/chat/room"
)

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	cert := flag.String("cert", "", "PEM certificate file: serve HTTPS (with -key)")
	key := flag.String("key", "", "PEM key file of -cert")
	flag.Parse()

	rm := room.New(room.Options{})
	srv := &httpserver.Server{
		Addr:     *addr,
		Handler:  rm.Handler(),
		Timeouts: httpserver.Timeouts{ReadHeader: 5 * time.Second},
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	drained := make(chan error, 1)
	go func() {
		<-ctx.Done()
		stop()
		drained <- shutdown(srv, rm, 10*time.Second)
	}()

	log.Printf("listening on %s", *addr)
	var err error
	if *cert != "" {
		err = srv.ListenAndServeTLS(*cert, *key)
	} else {
		err = srv.ListenAndServe()
	}
	if !errors.Is(err, httpserver.ErrServerClosed) {
		log.Fatal(err)
	}
	if err := <-drained; err != nil {
		log.Fatalf("shutdown: %v", err)
	}
}

// shutdown drains the server and the room together within grace. The
// server's Shutdown alone would send 1001 to every WebSocket (Accept
// registers with ResponseController.OnShutdown, over HTTP/1.1 and
// HTTP/2); the room's Shutdown also stops the broadcasts and tells the
// members why.
func shutdown(srv *httpserver.Server, rm *room.Room, grace time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	roomDone := make(chan error, 1)
	go func() { roomDone <- rm.Shutdown(ctx) }()
	return errors.Join(srv.Shutdown(ctx), <-roomDone)
}
