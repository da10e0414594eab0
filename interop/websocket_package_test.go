package interop

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	coder "github.com/coder/websocket"
	"github.com/gorilla/websocket"

	"github.com/rawsock/httpserver"
	ws "github.com/rawsock/httpserver/websocket"
)

// The websocket package against clients nobody here wrote: gorilla and
// coder, with and without permessage-deflate, on every engine.

const interopLimit = 16 << 20

func wsEngines() []httpserver.Engine {
	e := []httpserver.Engine{httpserver.EngineGoroutine, httpserver.EnginePool}
	if runtime.GOOS == "linux" {
		e = append(e, httpserver.EngineEpoll)
	}
	return e
}

// startWS serves an echo built on the websocket package; a text message
// "close-me" makes the server close with 4000 "bye".
func startWS(tb testing.TB, eng httpserver.Engine, mode ws.CompressionMode) string {
	return startWSAPI(tb, eng, mode, false)
}

// startWSAPI is startWS with the blocking API, or with the event API
// (AcceptEvents) when events is set.
func startWSAPI(tb testing.TB, eng httpserver.Engine, mode ws.CompressionMode, events bool) string {
	tb.Helper()
	opts := &ws.AcceptOptions{ReadLimit: interopLimit, Compression: mode, Subprotocols: []string{"echo"}}
	echo := ws.EventHandler{OnMessage: func(c *ws.EventConn, typ ws.MessageType, msg []byte) {
		if typ == ws.MessageText && string(msg) == "close-me" {
			c.Close(4000, "bye")
			return
		}
		c.Write(context.Background(), typ, msg)
	}}
	h := httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		if events {
			ws.AcceptEvents(w, r, opts, echo)
			return
		}
		c, err := ws.Accept(w, r, opts)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := context.Background()
		for {
			typ, msg, err := c.Read(ctx)
			if err != nil {
				return
			}
			if typ == ws.MessageText && string(msg) == "close-me" {
				c.Close(4000, "bye")
				return
			}
			if err := c.Write(ctx, typ, msg); err != nil {
				return
			}
		}
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := &httpserver.Server{Handler: h, Engine: eng, Logger: slog.New(slog.DiscardHandler)}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			tb.Errorf("Shutdown: %v (a WebSocket handler did not end)", err)
		}
		<-done
	})
	return "ws://" + l.Addr().String() + "/ws"
}

// interopMessages are the messages each client sends: empty, small,
// around the length encodings, compressible and random large ones.
func interopMessages() [][]byte {
	rnd := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rnd.Uint32())
		}
		return b
	}
	return [][]byte{
		{}, []byte("hello"), bytes.Repeat([]byte("a"), 125), bytes.Repeat([]byte("b"), 126),
		bytes.Repeat([]byte("c"), 65536), []byte(strings.Repeat("compressible text ", 50000)),
		random(1 << 20), random(5 << 20),
	}
}

var compressionModes = []struct {
	name string
	mode ws.CompressionMode
}{{"no-context-takeover", ws.CompressionNoContextTakeover}, {"context-takeover", ws.CompressionContextTakeover}, {"disabled", ws.CompressionDisabled}}

func TestWebSocketPackageWithGorilla(t *testing.T) {
	for _, eng := range wsEngines() {
		for _, cm := range compressionModes {
			for _, api := range []string{"blocking", "events"} {
				t.Run(string(eng)+"/"+cm.name+"/"+api, func(t *testing.T) {
					url := startWSAPI(t, eng, cm.mode, api == "events")
					d := websocket.Dialer{HandshakeTimeout: 5 * time.Second, EnableCompression: true, Subprotocols: []string{"other", "echo"}}
					conn, res, err := d.Dial(url, nil)
					if err != nil {
						t.Fatal(err)
					}
					defer conn.Close()
					ext := res.Header.Get("Sec-WebSocket-Extensions")
					if (cm.mode != ws.CompressionDisabled) != strings.HasPrefix(ext, "permessage-deflate") || conn.Subprotocol() != "echo" {
						t.Fatalf("negotiated %q, subprotocol %q", ext, conn.Subprotocol())
					}
					conn.SetReadLimit(interopLimit)
					conn.EnableWriteCompression(true)
					conn.SetReadDeadline(time.Now().Add(60 * time.Second))
					for i, msg := range interopMessages() {
						typ := websocket.BinaryMessage
						if i < 6 {
							typ = websocket.TextMessage
						}
						if err := conn.WriteMessage(typ, msg); err != nil {
							t.Fatalf("write %d: %v", i, err)
						}
						gt, got, err := conn.ReadMessage()
						if err != nil || gt != typ || !bytes.Equal(got, msg) {
							t.Fatalf("message %d (%d bytes): type %d, %d bytes, %v", i, len(msg), gt, len(got), err)
						}
					}
					// A ping from the client is answered with a pong.
					pong := make(chan string, 1)
					conn.SetPongHandler(func(s string) error { pong <- s; return nil })
					conn.WriteControl(websocket.PingMessage, []byte("p1"), time.Now().Add(time.Second))
					conn.WriteMessage(websocket.TextMessage, []byte("x"))
					if _, got, err := conn.ReadMessage(); err != nil || string(got) != "x" {
						t.Fatalf("after ping: %q %v", got, err)
					}
					if s := <-pong; s != "p1" {
						t.Fatalf("pong %q", s)
					}
					// The server closes with a code and a reason.
					conn.WriteMessage(websocket.TextMessage, []byte("close-me"))
					_, _, err = conn.ReadMessage()
					if ce, ok := err.(*websocket.CloseError); !ok || ce.Code != 4000 || ce.Text != "bye" {
						t.Fatalf("close: %v", err)
					}
				})
			}
		}
	}
}

func TestWebSocketPackageWithCoder(t *testing.T) {
	coderModes := map[ws.CompressionMode]coder.CompressionMode{
		ws.CompressionNoContextTakeover: coder.CompressionNoContextTakeover,
		ws.CompressionContextTakeover:   coder.CompressionContextTakeover,
		ws.CompressionDisabled:          coder.CompressionContextTakeover, // offered, declined
	}
	for _, eng := range wsEngines() {
		for _, cm := range compressionModes {
			t.Run(string(eng)+"/"+cm.name, func(t *testing.T) {
				url := startWS(t, eng, cm.mode)
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				conn, res, err := coder.Dial(ctx, url, &coder.DialOptions{CompressionMode: coderModes[cm.mode], CompressionThreshold: 1})
				if err != nil {
					t.Fatal(err)
				}
				defer conn.CloseNow()
				ext := res.Header.Get("Sec-WebSocket-Extensions")
				if (cm.mode != ws.CompressionDisabled) != strings.HasPrefix(ext, "permessage-deflate") {
					t.Fatalf("negotiated %q", ext)
				}
				conn.SetReadLimit(interopLimit)
				for i, msg := range interopMessages() {
					typ := coder.MessageBinary
					if i < 6 {
						typ = coder.MessageText
					}
					if err := conn.Write(ctx, typ, msg); err != nil {
						t.Fatalf("write %d: %v", i, err)
					}
					gt, got, err := conn.Read(ctx)
					if err != nil || gt != typ || !bytes.Equal(got, msg) {
						t.Fatalf("message %d (%d bytes): type %v, %d bytes, %v", i, len(msg), gt, len(got), err)
					}
				}
				// Streamed writes arrive as one message.
				w, err := conn.Writer(ctx, coder.MessageText)
				if err != nil {
					t.Fatal(err)
				}
				var want strings.Builder
				for i := range 100 {
					fmt.Fprintf(w, "part %d;", i)
					fmt.Fprintf(&want, "part %d;", i)
				}
				w.Close()
				if _, got, err := conn.Read(ctx); err != nil || string(got) != want.String() {
					t.Fatalf("streamed: %.40q %v", got, err)
				}
				if err := conn.Close(coder.StatusNormalClosure, "done"); err != nil {
					t.Fatalf("Close: %v", err)
				}
			})
		}
	}
}
