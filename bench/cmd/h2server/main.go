// Command h2server serves the HTTP/2 benchmark's two responses over TLS
// (h2 by ALPN) with one of the implementations bench/h2.sh compares: this
// project's server on each engine, or Go's net/http.
//
//	h2server -impl httpserver-epoll -addr 127.0.0.1:9401 -cert cert.pem -key key.pem
//
// Endpoints: /small answers the 13 bytes "Hello, World!"; /64k answers
// 65,536 bytes (a preallocated buffer); both text/plain with
// Content-Length. Any other path is 404. h2o, the third peer, serves the
// same two files from disk (bench/h2.sh writes them).
package main

import (
	"bytes"
	"flag"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/bench/internal/harness"
)

const small = "Hello, World!"

// large is the 64 KiB body.
var large = bytes.Repeat([]byte("0123456789abcdef"), 64<<10/16)

func main() {
	impl := flag.String("impl", "httpserver-goroutine", "httpserver-goroutine, httpserver-pool, httpserver-epoll or nethttp")
	addr := flag.String("addr", "127.0.0.1:9400", "listen address (loopback)")
	cert := flag.String("cert", "", "certificate (PEM)")
	key := flag.String("key", "", "private key (PEM)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile here until SIGTERM")
	flag.Parse()
	if *cert == "" || *key == "" {
		log.Fatal("h2server: -cert and -key are required")
	}
	harness.Server{
		Name:       "h2server",
		Impl:       *impl,
		Addr:       *addr,
		CPUProfile: *cpuprofile,
		Start: func(ln net.Listener) func() {
			if *impl == "nethttp" {
				return serveNetHTTP(ln, *cert, *key)
			}
			engine, err := httpserver.ParseEngine(strings.TrimPrefix(*impl, "httpserver-"))
			if err != nil {
				log.Fatal(err)
			}
			return serveOwn(ln, engine, *cert, *key)
		},
	}.Run()
}

var largeLen = strconv.Itoa(len(large))

func serveOwn(ln net.Listener, engine httpserver.Engine, cert, key string) func() {
	s := &httpserver.Server{
		Engine: engine,
		Handler: httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
			switch r.Path {
			case "/small":
				w.Header().Set("Content-Type", "text/plain")
				w.WriteString(small)
			case "/64k":
				w.Header().Set("Content-Type", "text/plain")
				w.Header().Set("Content-Length", largeLen)
				w.Write(large)
			default:
				w.WriteHeader(404)
			}
		}),
	}
	go func() {
		if err := s.ServeTLS(ln, cert, key); err != httpserver.ErrServerClosed {
			log.Fatal(err)
		}
	}()
	return func() { harness.Shutdown(s.Shutdown) }
}

func serveNetHTTP(ln net.Listener, cert, key string) func() {
	s := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/small":
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte(small))
		case "/64k":
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Content-Length", largeLen)
			w.Write(large)
		default:
			w.WriteHeader(404)
		}
	})}
	go func() {
		if err := s.ServeTLS(ln, cert, key); err != http.ErrServerClosed {
			log.Fatal(err)
		}
	}()
	return func() { harness.Shutdown(s.Shutdown) }
}
