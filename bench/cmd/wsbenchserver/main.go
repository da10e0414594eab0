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
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"runtime/debug"
	"strings"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/bench/internal/harness"
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
	harness.OnSIGUSR1(func() { debug.FreeOSMemory() })
	harness.Server{
		Name:       "wsbenchserver",
		Impl:       *impl,
		Addr:       *addr,
		CPUProfile: *cpuprofile,
		Start:      start,
	}.Run()
}
