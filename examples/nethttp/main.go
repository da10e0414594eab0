// Command nethttp serves standard net/http handlers on httpserver through
// the nethttp bridge: a ServeMux with a JSON endpoint, a streaming endpoint,
// a static file tree and net/http/pprof, plus one handler written for
// httpserver and mounted back into the mux with nethttp.Handler.
//
//	go run ./examples/nethttp -addr 127.0.0.1:8080 -dir .
//	curl http://127.0.0.1:8080/api/hello?name=gopher
//	curl -N http://127.0.0.1:8080/api/ticks
//	curl http://127.0.0.1:8080/own/whoami
//	curl http://127.0.0.1:8080/debug/pprof/
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/nethttp"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	dir := flag.String("dir", ".", "directory served under /files/")
	flag.Parse()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/hello", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"hello": r.URL.Query().Get("name")})
	})
	mux.HandleFunc("GET /api/ticks", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		rc := http.NewResponseController(w)
		for i := range 5 {
			fmt.Fprintf(w, "tick %d\n", i)
			if err := rc.Flush(); err != nil {
				return
			}
			select {
			case <-time.After(200 * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
	})
	mux.Handle("GET /files/", http.StripPrefix("/files/", http.FileServer(http.Dir(*dir))))
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)

	// A handler written for httpserver, mounted in the net/http mux.
	mux.Handle("/own/", nethttp.Handler(httpserver.HandlerFunc(
		func(w httpserver.ResponseWriter, r *httpserver.Request) {
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprintf(w, "you are %s, asking %s for %s\n", r.RemoteAddr, r.Host, r.Path)
		})))

	srv := &httpserver.Server{Addr: *addr, Handler: nethttp.Wrap(mux)}
	// SIGINT (Ctrl-C) or SIGTERM starts a graceful shutdown; main waits
	// for it, so that streams in flight (/api/ticks) finish.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	drained := make(chan error, 1)
	go func() {
		<-ctx.Done()
		stop() // a second signal kills the process
		grace, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		drained <- srv.Shutdown(grace)
	}()
	log.Printf("listening on http://%s", *addr)
	if err := srv.ListenAndServe(); !errors.Is(err, httpserver.ErrServerClosed) {
		log.Fatal(err)
	}
	if err := <-drained; err != nil {
		log.Fatal(err)
	}
}
