package websocket

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/middleware"
)

func TestAcceptHandshake(t *testing.T) {
	opts := &AcceptOptions{
		Subprotocols:   []string{"v2.chat", "v1.chat"},
		OriginPatterns: []string{"*.trusted.example", "https://exact.example:8443"},
		CheckOrigin:    func(r *httpserver.Request, origin string) bool { return origin == "https://asked.example" },
	}
	h := httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		w.Header().Set("X-Set-By-Caller", "yes")
		c, err := Accept(w, r, opts)
		if err != nil {
			return
		}
		c.Close(StatusNormalClosure, "")
	})
	const base = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + testKey + "\r\n"
	const v13 = "Sec-WebSocket-Version: 13\r\n"
	tests := []struct {
		name   string
		req    string // after the request line and Host
		method string
		proto  string
		status int
		fields map[string]string // expected response fields ("" = absent)
	}{
		{name: "valid", req: base + v13, status: 101, fields: map[string]string{
			"Sec-WebSocket-Accept": "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", // RFC 6455 §1.3's example
			"Upgrade":              "websocket", "Connection": "Upgrade", "X-Set-By-Caller": "yes", "Sec-WebSocket-Protocol": ""}},
		{name: "tokens in lists, any case", req: "Upgrade: foo, WebSocket\r\nConnection: keep-alive, UPGRADE\r\nSec-WebSocket-Key: " + testKey + "\r\n" + v13, status: 101},
		{name: "POST", method: "POST", req: base + v13, status: 405, fields: map[string]string{"Allow": "GET"}},
		{name: "HTTP/1.0", proto: "HTTP/1.0", req: base + v13, status: 400},
		{name: "no Upgrade", req: "Connection: Upgrade\r\nSec-WebSocket-Key: " + testKey + "\r\n" + v13, status: 426, fields: map[string]string{"Upgrade": "websocket"}},
		{name: "Upgrade: h2c", req: "Upgrade: h2c\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + testKey + "\r\n" + v13, status: 426},
		{name: "no Connection: upgrade", req: "Upgrade: websocket\r\nConnection: keep-alive\r\nSec-WebSocket-Key: " + testKey + "\r\n" + v13, status: 426},
		{name: "version 8", req: base + "Sec-WebSocket-Version: 8\r\n", status: 426, fields: map[string]string{"Sec-WebSocket-Version": "13"}},
		{name: "two versions", req: base + v13 + "Sec-WebSocket-Version: 8\r\n", status: 426, fields: map[string]string{"Sec-WebSocket-Version": "13"}},
		{name: "no version", req: base, status: 400, fields: map[string]string{"Sec-WebSocket-Version": "13"}},
		{name: "no key", req: "Upgrade: websocket\r\nConnection: Upgrade\r\n" + v13, status: 400},
		{name: "key of 15 bytes", req: "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ\r\n" + v13, status: 400},
		{name: "key not base64", req: "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: !!!!!!!!!!!!!!!!!!!!!!==\r\n" + v13, status: 400},
		{name: "two keys", req: base + "Sec-WebSocket-Key: " + testKey + "\r\n" + v13, status: 400},
		{name: "same origin", req: base + v13 + "Origin: http://HOST\r\n", status: 101},
		{name: "cross origin", req: base + v13 + "Origin: https://evil.example\r\n", status: 403},
		{name: "origin null", req: base + v13 + "Origin: null\r\n", status: 403},
		{name: "origin pattern", req: base + v13 + "Origin: https://app.trusted.example\r\n", status: 101},
		{name: "origin pattern with scheme", req: base + v13 + "Origin: https://exact.example:8443\r\n", status: 101},
		{name: "origin pattern with other scheme", req: base + v13 + "Origin: http://exact.example:8443\r\n", status: 403},
		{name: "origin allowed by CheckOrigin", req: base + v13 + "Origin: https://asked.example\r\n", status: 101},
		{name: "subprotocol in server order", req: base + v13 + "Sec-WebSocket-Protocol: v1.chat, v2.chat\r\n", status: 101, fields: map[string]string{"Sec-WebSocket-Protocol": "v2.chat"}},
		{name: "subprotocol none shared", req: base + v13 + "Sec-WebSocket-Protocol: v3.chat\r\n", status: 101, fields: map[string]string{"Sec-WebSocket-Protocol": ""}},
	}
	forEachEngine(t, func(t *testing.T, eng httpserver.Engine) {
		addr := startServer(t, eng, h)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				method, proto := "GET", "HTTP/1.1"
				if tt.method != "" {
					method = tt.method
				}
				if tt.proto != "" {
					proto = tt.proto
				}
				nc, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				defer nc.Close()
				nc.SetDeadline(time.Now().Add(10 * time.Second))
				req := method + " /ws " + proto + "\r\nHost: " + addr + "\r\n" + strings.ReplaceAll(tt.req, "HOST", addr) + "\r\n"
				c := rawRequest(t, nc, req)
				if c.status() != tt.status {
					t.Fatalf("status %d, want %d:\n%s", c.status(), tt.status, c.head)
				}
				for k, v := range tt.fields {
					if got := c.field(k); got != v {
						t.Errorf("%s: %q, want %q", k, got, v)
					}
				}
				if tt.status == 101 {
					c.expectClose(1000)
				}
			})
		}
	})
}

func TestAcceptAfterGroupShutdown(t *testing.T) {
	g := &Group{}
	if err := g.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	addr := startServer(t, httpserver.EngineGoroutine, echoHandler(&AcceptOptions{Group: g}, nil))
	c := dialRaw(t, addr)
	if c.status() != 101 {
		t.Fatalf("handshake: %q", c.head)
	}
	c.expectClose(1001)
}

// TestAcceptBehindBufferingMiddleware: a writer that cannot be hijacked
// (middleware.Timeout buffers and does not Unwrap) gets 500, not a 101
// that would leave the connection speaking HTTP.
func TestAcceptBehindBufferingMiddleware(t *testing.T) {
	errc := make(chan error, 1)
	h := middleware.Timeout(5*time.Second, middleware.TimeoutOptions{})(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		_, err := Accept(w, r, nil)
		errc <- err
	}))
	c := dialRaw(t, startServer(t, httpserver.EngineGoroutine, h))
	if c.status() != 500 {
		t.Fatalf("status %d:\n%s", c.status(), c.head)
	}
	if err := <-errc; !errors.Is(err, httpserver.ErrNotSupported) {
		t.Fatalf("Accept: %v", err)
	}
}
