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
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/bench/internal/harness"
	"github.com/valyala/fasthttp"
)

type message struct {
	Message string `json:"message"`
}

const hello = "Hello, World!"

func main() {
	impl := flag.String("impl", "httpserver-goroutine", "httpserver-goroutine, httpserver-pool, httpserver-epoll, httpserver-epoll-handoff (PoolOptions.AlwaysHandOff), nethttp or fasthttp")
	addr := flag.String("addr", "127.0.0.1:9000", "listen address (loopback)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile here until SIGTERM")
	memprofile := flag.String("memprofile", "", "write a heap profile here at SIGUSR1 (after its GC) or else at SIGTERM, before shutting down")
	useTLS := flag.Bool("tls", false, "serve HTTPS (HTTP/1.1) with an in-memory self-signed certificate (httpserver-* and nethttp)")
	flag.Parse()
	if *memprofile != "" {
		runtime.MemProfileRate = 1 // every allocation, for per-connection figures
	}

	var tlsConfig *tls.Config
	if *useTLS {
		tlsConfig = selfSigned()
	}
	// SIGUSR1 (idleconns -gc): a garbage collection and the free memory
	// returned to the OS, so that the resident size is the live state's,
	// then, with -memprofile, the heap profile of that state.
	var profiled atomic.Bool
	harness.OnSIGUSR1(func() {
		debug.FreeOSMemory() // runs a GC first
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		fmt.Fprintf(os.Stderr, "benchserver: after GC: heap_alloc_kib=%d heap_inuse_kib=%d stack_inuse_kib=%d sys_kib=%d\n",
			m.HeapAlloc>>10, m.HeapInuse>>10, m.StackInuse>>10, m.Sys>>10)
		if *memprofile != "" {
			writeHeapProfile(*memprofile)
			profiled.Store(true)
		}
	})
	harness.Server{
		Name:       "benchserver",
		Impl:       *impl,
		Addr:       *addr,
		CPUProfile: *cpuprofile,
		Start: func(ln net.Listener) func() {
			switch *impl {
			case "nethttp":
				return serveNetHTTP(ln, tlsConfig)
			case "fasthttp":
				return serveFastHTTP(ln)
			case "httpserver-epoll-handoff":
				return serveOwn(ln, httpserver.EngineEpoll, tlsConfig, true)
			}
			engine, err := httpserver.ParseEngine(strings.TrimPrefix(*impl, "httpserver-"))
			if err != nil {
				log.Fatal(err)
			}
			return serveOwn(ln, engine, tlsConfig, false)
		},
		BeforeStop: func() {
			if *memprofile != "" && !profiled.Load() {
				runtime.GC()
				writeHeapProfile(*memprofile)
			}
		},
	}.Run()
}

func writeHeapProfile(name string) {
	f, err := os.Create(name)
	if err != nil {
		log.Fatal(err)
	}
	pprof.WriteHeapProfile(f)
	f.Close()
}

// serveOwn serves with this project's server; handOff sets
// PoolOptions.AlwaysHandOff (the epoll engine without serving in place).
func serveOwn(ln net.Listener, engine httpserver.Engine, tlsConfig *tls.Config, handOff bool) func() {
	s := &httpserver.Server{
		TLSConfig: tlsConfig,
		Engine:    engine,
		// The idle-connection test holds 18,000 connections.
		Limits: httpserver.Limits{MaxConns: -1},
		Pool:   httpserver.PoolOptions{MaxWorkers: 20000, AlwaysHandOff: handOff},
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
	if tlsConfig != nil {
		go s.ServeTLS(ln, "", "")
	} else {
		go s.Serve(ln)
	}
	return func() { harness.Shutdown(s.Shutdown) }
}

func serveNetHTTP(ln net.Listener, tlsConfig *tls.Config) func() {
	s := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/json" {
			b, _ := json.Marshal(message{hello})
			w.Header().Set("Content-Type", "application/json")
			w.Write(b)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(hello))
	}), TLSConfig: tlsConfig}
	if tlsConfig != nil {
		go s.ServeTLS(ln, "", "")
	} else {
		go s.Serve(ln)
	}
	return func() { harness.Shutdown(s.Shutdown) }
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

// selfSigned makes a TLS configuration with an in-memory ECDSA P-256
// certificate for 127.0.0.1 (the idle-connection client does not verify
// it).
func selfSigned() *tls.Config {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		log.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}
