package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rawsock/httpserver/internal/wstest"
)

// TestWebSocketThroughPipeline: /api/ws works behind the binary's whole
// middleware pipeline (access log, metrics, compression: the handshake
// asks for gzip, and the 101 must pass through untouched), and the
// graceful shutdown closes the open WebSocket with 1001 before the
// process exits cleanly.
func TestWebSocketThroughPipeline(t *testing.T) {
	addr, stop, status, log := runInProcess(t, []string{"--addr", "127.0.0.1:0"}, map[string]string{"HTTPSERVER_SHUTDOWN_TIMEOUT": "10s"})
	c := wstest.Dial(t, addr, "/api/ws", "Accept-Encoding: gzip, br", "Sec-WebSocket-Extensions: permessage-deflate")
	if c.Status() != 101 || c.Field("Content-Encoding") != "" || c.Field("X-Request-ID") == "" {
		t.Fatalf("handshake:\n%s", c.Head)
	}
	msg := bytes.Repeat([]byte("x"), 100)
	c.Send(wstest.OpBinary, msg)
	if op, rsv1, got := c.RecvMessage(); op != wstest.OpBinary || rsv1 || !bytes.Equal(got, msg) {
		// 100 bytes are under the compression threshold: sent as is.
		t.Fatalf("echo: op %d rsv1 %v %q", op, rsv1, got)
	}
	stop()
	c.ExpectClose(1001)
	if code := status(); code != 0 {
		t.Errorf("status %d, want 0; log:\n%s", code, log)
	}
	if !strings.Contains(log.String(), `"msg":"stopped"`) {
		t.Errorf("log:\n%s", log)
	}
}
