package interop

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rawsock/httpserver"
	ws "github.com/rawsock/httpserver/websocket"
)

// BenchmarkWebSocketEcho: one gorilla client echoing 1 KiB and 64 KiB
// binary messages through the websocket package on httpserver (goroutine
// engine), and through gorilla's own server on net/http. Client and
// server share the machine, so the numbers compare the two servers, not
// absolute throughput.
func BenchmarkWebSocketEcho(b *testing.B) {
	servers := []struct {
		name string
		url  func(b *testing.B) string
	}{
		{"httpserver-websocket", func(b *testing.B) string {
			return startWS(b, httpserver.EngineGoroutine, ws.CompressionDisabled)
		}},
		{"gorilla-nethttp", func(b *testing.B) string {
			up := websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 4096}
			addr := startStd(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				c, err := up.Upgrade(w, r, nil)
				if err != nil {
					return
				}
				defer c.Close()
				c.SetReadLimit(interopLimit)
				for {
					typ, msg, err := c.ReadMessage()
					if err != nil {
						return
					}
					if c.WriteMessage(typ, msg) != nil {
						return
					}
				}
			}))
			return "ws://" + addr + "/ws"
		}},
	}
	for _, size := range []int{1 << 10, 64 << 10} {
		msg := bytes.Repeat([]byte("x"), size)
		for _, s := range servers {
			b.Run(fmt.Sprintf("%s/%dKiB", s.name, size>>10), func(b *testing.B) {
				conn, _, err := (&websocket.Dialer{HandshakeTimeout: 5 * time.Second}).Dial(s.url(b), nil)
				if err != nil {
					b.Fatal(err)
				}
				defer conn.Close()
				b.SetBytes(int64(size))
				b.ResetTimer()
				for range b.N {
					if err := conn.WriteMessage(websocket.BinaryMessage, msg); err != nil {
						b.Fatal(err)
					}
					if _, _, err := conn.ReadMessage(); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
				conn.ReadMessage()
			})
		}
	}
}
