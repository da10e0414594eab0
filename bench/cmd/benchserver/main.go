// Command benchserver serves the benchmark endpoints with one of the
// implementations compared in docs/benchmarks.md: this project's server on
// each engine, Go's net/http, or fasthttp.
//
//	benchserver -impl httpserver-epoll -addr 127.0.0.1:9001
//
// Endpoints (TechEmpower shapes): /plaintext answers the 13 bytes
// "Hello, World!" as text/plain; /json answers {"message":"Hello, World!"}
// serialized per request. Any other path gets the plaintext answer too, so
// that the idle-connection client may use "/".
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/valyala/fasthttp"
)

type message struct {
	Message string `json:"message"`
}

const hello = "Hello, World!"

func main() {
	impl := flag.String("impl", "httpserver-goroutine", "httpserver-goroutine, httpserver-pool, httpserver-epoll, nethttp or fasthttp")
	addr := flag.String("addr", "127.0.0.1:9000", "listen address (loopback)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile here until SIGTERM")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)

	var shutdown func()
	switch *impl {
	case "nethttp":
		shutdown = serveNetHTTP(ln)
	case "fasthttp":
		shutdown = serveFastHTTP(ln)
	default:
		engine, err := httpserver.ParseEngine(strings.TrimPrefix(*impl, "httpserver-"))
		if err != nil {
			log.Fatal(err)
		}
		shutdown = serveOwn(ln, engine)
	}
	fmt.Fprintf(os.Stderr, "benchserver: %s on %s (pid %d)\n", *impl, ln.Addr(), os.Getpid())
	<-stop
	shutdown()
}

func serveOwn(ln net.Listener, engine httpserver.Engine) func() {
	s := &httpserver.Server{
		Engine: engine,
		// The idle-connection test holds 18,000 connections.
		Limits: httpserver.Limits{MaxConns: -1},
		Pool:   httpserver.PoolOptions{MaxWorkers: 20000},
		Handler: httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
			if r.Path == "/json" {
				b, _ := json.Marshal(message{hello})
				w.Header().Set("Content-Type", "application/json")
				w.Write(b)
				return
			}
			w.Header().Set("Content-Type", "text/plain")
			w.WriteString(hello)
		}),
	}
	go s.Serve(ln)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	}
}

func serveNetHTTP(ln net.Listener) func() {
	s := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/json" {
			b, _ := json.Marshal(message{hello})
			w.Header().Set("Content-Type", "application/json")
			w.Write(b)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(hello))
	})}
	go s.Serve(ln)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	}
}

func serveFastHTTP(ln net.Listener) func() {
	s := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		if string(ctx.Path()) == "/json" {
			b, _ := json.Marshal(message{hello})
			ctx.SetContentType("application/json")
			ctx.Write(b)
			return
		}
		ctx.SetContentType("text/plain")
		ctx.WriteString(hello)
	}, Concurrency: 1 << 20}
	go s.Serve(ln)
	return func() { s.Shutdown() }
}
