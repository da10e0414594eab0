// Command wsbenchserver serves a WebSocket echo at /ws with one of the
// implementations compared in docs/benchmarks.md: this project's websocket
// package (blocking API) on each engine, gorilla/websocket and
// coder/websocket on net/http, or lesismal/nbio's nbhttp WebSocket.
//
//	wsbenchserver -impl httpserver-epoll -addr 127.0.0.1:9401
//
// Every server echoes each text or binary message back unchanged, accepts
// messages up to 1 MiB and declines permessage-deflate, so that the
// benchmark compares framing and I/O rather than compression.
//
// SIGUSR1 runs a garbage collection and returns freed memory to the
// operating system (debug.FreeOSMemory), so that the idle-connection
// client can read the resident memory after it. SIGTERM shuts down.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/rawsock/httpserver"
)

// readLimit is the largest message every server accepts.
const readLimit = 1 << 20

// servers maps each -impl name other than httpserver-* to its start
// function, which serves on ln and returns a shutdown function. The
// event-driven API of the websocket package registers itself here from
// events.go when it exists (see eventServers).
var servers = map[string]func(ln net.Listener) func(){
	"gorilla": serveGorilla,
	"coder":   serveCoder,
	"nbio":    serveNbio,
}

func main() {
	impl := flag.String("impl", "httpserver-goroutine", "httpserver-goroutine, httpserver-pool, httpserver-epoll, httpserver-epoll-events, gorilla, coder or nbio")
	addr := flag.String("addr", "127.0.0.1:9400", "listen address (loopback)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile here until SIGTERM")
	flag.Parse()

	start, ok := servers[*impl]
	if !ok {
		if rest, found := strings.CutPrefix(*impl, "httpserver-"); found && !strings.Contains(rest, "-") {
			engine, err := httpserver.ParseEngine(rest)
			if err != nil {
				log.Fatal(err)
			}
			start = func(ln net.Listener) func() { return serveOwn(ln, engine) }
		} else {
			// Exit status 3: this build has no such server (ws.sh skips it).
			fmt.Fprintf(os.Stderr, "wsbenchserver: %q is not available in this build\n", *impl)
			os.Exit(3)
		}
	}
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
	sig := make(chan os.Signal, 4)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT, syscall.SIGUSR1)
	shutdown := start(ln)
	fmt.Fprintf(os.Stderr, "wsbenchserver: %s on %s (pid %d)\n", *impl, ln.Addr(), os.Getpid())
	for s := range sig {
		if s == syscall.SIGUSR1 {
			debug.FreeOSMemory()
			continue
		}
		break
	}
	shutdown()
}

// shutdownHTTP stops a net/http server, waiting at most 2 s.
func shutdownHTTP(s *http.Server) func() {
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	}
}
