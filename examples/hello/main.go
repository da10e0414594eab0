// Command hello is the smallest useful program built on httpserver: one
// handler, a header timeout, and a graceful shutdown on Ctrl-C or SIGTERM.
//
//	go run ./examples/hello -addr :8080
//	curl 'localhost:8080/?name=Ada'
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rawsock/httpserver"
)

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	flag.Parse()

	srv := &httpserver.Server{
		Addr:     *addr,
		Handler:  httpserver.HandlerFunc(hello),
		Timeouts: httpserver.Timeouts{ReadHeader: 5 * time.Second},
	}

	// On the first signal, stop accepting and let requests in flight
	// finish, for at most ten seconds; a second signal kills the program.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	drained := make(chan error, 1)
	go func() {
		<-ctx.Done()
		stop()
		grace, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		drained <- srv.Shutdown(grace)
	}()

	log.Printf("listening on %s", *addr)
	if err := srv.ListenAndServe(); !errors.Is(err, httpserver.ErrServerClosed) {
		log.Fatal(err)
	}
	if err := <-drained; err != nil {
		log.Fatalf("shutdown: %v", err)
	}
	log.Print("bye")
}

// hello greets the name given in the query, or the world.
func hello(w httpserver.ResponseWriter, r *httpserver.Request) {
	name := r.Query().Get("name")
	if name == "" {
		name = "world"
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "hello, %s\n", name)
}
