// Command static serves a directory over HTTP/1.1 with package static:
// content types, ETag and Last-Modified validators, byte ranges,
// precompressed .br/.zst/.gz siblings and sendfile(2) for large files.
//
//	go run ./examples/static -root ./public -addr :8080 -listing
//	curl -i localhost:8080/
//	curl -r 0-99 localhost:8080/big.bin
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
	"github.com/rawsock/httpserver/static"
)

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	root := flag.String("root", ".", "directory to serve")
	listing := flag.Bool("listing", false, "list directories that have no index.html")
	cache := flag.String("cache-control", "", `Cache-Control of file responses, e.g. "public, max-age=3600"`)
	dotfiles := flag.Bool("dotfiles", false, "serve files whose name starts with '.'")
	symlinks := flag.String("symlinks", "inside-root", "symbolic links to follow: inside-root, all or never")
	flag.Parse()

	policy, err := static.ParseSymlinkPolicy(*symlinks)
	if err != nil {
		log.Fatal(err)
	}
	h, err := static.Dir(*root, &static.Options{
		CacheControl:   *cache,
		Listing:        *listing,
		ShowDotfiles:   *dotfiles,
		FollowSymlinks: policy,
	})
	if err != nil {
		log.Fatal(err)
	}
	srv := &httpserver.Server{
		Addr:     *addr,
		Handler:  h,
		Timeouts: httpserver.Timeouts{ReadHeader: 5 * time.Second},
	}

	// On SIGINT or SIGTERM, finish the requests in flight (at most ten
	// seconds) and exit.
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

	log.Printf("serving %s on %s", *root, *addr)
	if err := srv.ListenAndServe(); !errors.Is(err, httpserver.ErrServerClosed) {
		log.Fatal(err)
	}
	if err := <-drained; err != nil {
		log.Fatalf("shutdown: %v", err)
	}
}
