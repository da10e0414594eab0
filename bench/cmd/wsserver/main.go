// Command wsserver serves a WebSocket echo at /ws with this project's
// websocket package, for the idle-memory benchmark (bench/ws_idle.sh):
// the event API (AcceptEvents) or the blocking one (Accept and a Read
// loop), on one engine. permessage-deflate is accepted when offered
// (no context takeover, the default).
//
// On SIGUSR1 it collects garbage and returns freed memory to the system
// (runtime.GC, debug.FreeOSMemory), as a long-running server's periodic
// GC and scavenger do in time: wsidle -gc sends it before its second
// reading, so that pooled buffers and handshake garbage do not count.
//
//	wsserver -engine epoll -api events -addr 127.0.0.1:9301
package main

import (
	"context"
	"flag"
	"log"
	"log/slog"
	"net"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/bench/internal/harness"
	"github.com/rawsock/httpserver/websocket"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9301", "listen address (loopback)")
	engine := flag.String("engine", "epoll", "goroutine, pool or epoll")
	api := flag.String("api", "events", "events (AcceptEvents) or blocking (Accept and Read)")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	opts := &websocket.AcceptOptions{ReadLimit: 1 << 20}
	var h httpserver.HandlerFunc
	switch *api {
	case "events":
		echo := websocket.EventHandler{OnMessage: func(c *websocket.EventConn, typ websocket.MessageType, msg []byte) {
			c.Write(context.Background(), typ, msg)
		}}
		h = func(w httpserver.ResponseWriter, r *httpserver.Request) {
			websocket.AcceptEvents(w, r, opts, echo)
		}
	case "blocking":
		h = func(w httpserver.ResponseWriter, r *httpserver.Request) {
			c, err := websocket.Accept(w, r, opts)
			if err != nil {
				return
			}
			defer c.CloseNow()
			ctx := context.Background()
			for {
				typ, msg, err := c.Read(ctx)
				if err != nil || c.Write(ctx, typ, msg) != nil {
					return
				}
			}
		}
	default:
		log.Fatalf("wsserver: -api %q: want events or blocking", *api)
	}
	srv := &httpserver.Server{
		Handler: h,
		Engine:  httpserver.Engine(*engine),
		Logger:  slog.New(slog.DiscardHandler),
		Limits:  httpserver.Limits{MaxConns: 100000},
	}
	harness.OnSIGUSR1(func() {
		runtime.GC()
		debug.FreeOSMemory()
	})
	stop := harness.NotifyStop()
	go func() {
		<-stop
		srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && err != httpserver.ErrServerClosed {
		log.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
}
