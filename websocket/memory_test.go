package websocket

import (
	"bytes"
	"compress/flate"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
)

// TestMemoryPerConnection measures what an idle WebSocket costs the
// process (heap and goroutine stacks, server side, client sockets
// included) after one message, per compression mode, and bounds it. The
// numbers are logged for docs/websocket.md.
func TestMemoryPerConnection(t *testing.T) {
	if testing.Short() {
		t.Skip("opens hundreds of connections")
	}
	const n = 300
	text := strings.Repeat("a compressible message, ", 100)
	for _, tc := range []struct {
		name     string
		mode     CompressionMode
		offer    bool
		maxBytes int
	}{
		{"uncompressed", CompressionDisabled, false, 40 << 10},
		{"no-context-takeover", CompressionNoContextTakeover, true, 40 << 10},
		{"context-takeover", CompressionContextTakeover, true, 1 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forEachEngine(t, func(t *testing.T, eng httpserver.Engine) {
				addr := startServer(t, eng, echoHandler(&AcceptOptions{Compression: tc.mode}, nil))
				var buf bytes.Buffer
				fw, _ := flate.NewWriter(&buf, flate.BestSpeed)
				fw.Write([]byte(text))
				fw.Flush()
				compressed := bytes.Clone(buf.Bytes()[:buf.Len()-4])

				measure := func() (heap, stack uint64) {
					var ms runtime.MemStats
					for range 3 {
						runtime.GC()
					}
					time.Sleep(50 * time.Millisecond)
					runtime.GC()
					runtime.ReadMemStats(&ms)
					return ms.HeapInuse, ms.StackInuse
				}
				heap0, stack0 := measure()
				clients := make([]*rawClient, 0, n)
				for range n {
					var c *rawClient
					if tc.offer {
						c = dialRaw(t, addr, "Sec-WebSocket-Extensions: permessage-deflate")
						c.send(frame{fin: true, rsv: rsv1Bit, op: opTxt, data: compressed})
					} else {
						c = dialRaw(t, addr)
						c.send(txt(text))
					}
					c.recvMessage()
					clients = append(clients, c)
				}
				heap1, stack1 := measure()
				per := (int64(heap1-heap0) + int64(stack1-stack0)) / n
				t.Logf("%s: %d bytes per idle connection (heap %d, stacks %d)", tc.name, per, int64(heap1-heap0)/n, int64(stack1-stack0)/n)
				if per > int64(tc.maxBytes) {
					t.Errorf("%d bytes per idle connection, bound %d", per, tc.maxBytes)
				}
				for _, c := range clients {
					c.send(ctl(opCls, closePayload(1000, "")))
					c.expectClose(1000)
				}
			})
		})
	}
}
