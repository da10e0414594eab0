package demo

import (
	"bytes"
	"compress/flate"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"testing"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/wstest"
)

func wsEngines() []httpserver.Engine {
	e := []httpserver.Engine{httpserver.EngineGoroutine, httpserver.EnginePool}
	if runtime.GOOS == "linux" {
		e = append(e, httpserver.EngineEpoll)
	}
	return e
}

func startDemo(t *testing.T, eng httpserver.Engine, demo bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httpserver.Server{Handler: Handler(Options{Demo: demo}), Engine: eng, Logger: slog.New(slog.DiscardHandler)}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return ln.Addr().String()
}

// TestWebSocketEcho checks the /api/ws contract over a socket on every
// engine: echo up to the read limit, 1009 above it, permessage-deflate,
// and the answers to bad handshakes.
func TestWebSocketEcho(t *testing.T) {
	for _, eng := range wsEngines() {
		t.Run(string(eng), func(t *testing.T) {
			addr := startDemo(t, eng, true)

			t.Run("text and binary up to the limit", func(t *testing.T) {
				c := wstest.Dial(t, addr, "/api/ws")
				if c.Status() != 101 {
					t.Fatalf("handshake:\n%s", c.Head)
				}
				c.Send(wstest.OpText, []byte("héllo"))
				if op, _, msg := c.RecvMessage(); op != wstest.OpText || string(msg) != "héllo" {
					t.Fatalf("text echo: %d %q", op, msg)
				}
				big := bytes.Repeat([]byte{0, 1, 2, 0xff}, WebSocketReadLimit/4)
				c.Send(wstest.OpBinary, big)
				if op, _, msg := c.RecvMessage(); op != wstest.OpBinary || !bytes.Equal(msg, big) {
					t.Fatalf("binary echo of %d bytes: op %d, %d bytes", len(big), op, len(msg))
				}
				c.Send(wstest.OpBinary, append(big, 1))
				c.ExpectClose(1009)
			})

			t.Run("permessage-deflate", func(t *testing.T) {
				c := wstest.Dial(t, addr, "/api/ws", "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits")
				if ext := c.Field("Sec-WebSocket-Extensions"); !strings.HasPrefix(ext, "permessage-deflate") {
					t.Fatalf("extension not negotiated:\n%s", c.Head)
				}
				text := strings.Repeat("compress me ", 1000)
				var buf bytes.Buffer
				fw, _ := flate.NewWriter(&buf, flate.BestSpeed)
				fw.Write([]byte(text))
				fw.Flush()
				c.SendFrame(true, true, wstest.OpText, buf.Bytes()[:buf.Len()-4])
				op, rsv1, msg := c.RecvMessage()
				if !rsv1 {
					t.Fatal("the echo was not compressed")
				}
				got, err := io.ReadAll(flate.NewReader(io.MultiReader(bytes.NewReader(msg), bytes.NewReader([]byte{0, 0, 0xff, 0xff, 1, 0, 0, 0xff, 0xff}))))
				if err != nil || op != wstest.OpText || string(got) != text {
					t.Fatalf("compressed echo: %v op %d %.40q", err, op, got)
				}
				c.Close(1000)
			})

			t.Run("same origin accepted", func(t *testing.T) {
				c := wstest.Dial(t, addr, "/api/ws", "Origin: http://"+addr)
				if c.Status() != 101 {
					t.Fatalf("handshake:\n%s", c.Head)
				}
				c.Close(1000)
			})

			base := "Host: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + wstest.Key + "\r\n"
			for _, tt := range []struct {
				name, req    string
				status       int
				field, value string
			}{
				{"cross-origin browser", "GET /api/ws HTTP/1.1\r\n" + base + "Sec-WebSocket-Version: 13\r\nOrigin: https://elsewhere.example\r\n\r\n", 403, "", ""},
				{"POST", "POST /api/ws HTTP/1.1\r\n" + base + "Sec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n", 405, "Allow", "GET"},
				{"version 8", "GET /api/ws HTTP/1.1\r\n" + base + "Sec-WebSocket-Version: 8\r\n\r\n", 426, "Sec-WebSocket-Version", "13"},
				{"plain GET", "GET /api/ws HTTP/1.1\r\nHost: " + addr + "\r\n\r\n", 426, "Upgrade", "websocket"},
			} {
				t.Run(tt.name, func(t *testing.T) {
					c := wstest.Raw(t, addr, tt.req)
					if c.Status() != tt.status || (tt.field != "" && c.Field(tt.field) != tt.value) {
						t.Fatalf("want %d with %s: %s:\n%s", tt.status, tt.field, tt.value, c.Head)
					}
				})
			}
		})
	}
}

// TestWebSocketOffWithoutDemo: --demo=false leaves /api/ws unanswered.
func TestWebSocketOffWithoutDemo(t *testing.T) {
	addr := startDemo(t, httpserver.EngineGoroutine, false)
	if c := wstest.Dial(t, addr, "/api/ws"); c.Status() != 404 {
		t.Fatalf("status %d:\n%s", c.Status(), c.Head)
	}
}
