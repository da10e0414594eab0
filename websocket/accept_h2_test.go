package websocket

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/http2/h2test"
	"github.com/rawsock/httpserver/internal/http2/hpack"
	"github.com/rawsock/httpserver/middleware"
)

// withH2C serves HTTP/2 with prior knowledge, so that the tests' own
// HTTP/2 client (h2test.Tunnel) can reach the server without TLS.
func withH2C(s *httpserver.Server) { s.HTTP2.H2C = true }

// h2Client is a WebSocket client over one HTTP/2 extended CONNECT stream:
// the tests' rawClient on an h2test.Tunnel.
type h2Client struct {
	*rawClient
	tn *h2test.Tunnel
}

// dialH2 opens an extended CONNECT (RFC 8441) to /ws with
// Sec-WebSocket-Version 13 and the extra fields (name, value pairs,
// lowercase); pseudo, when not nil, replaces the pseudo-header fields.
func dialH2(t testing.TB, addr string, pseudo []hpack.HeaderField, extra ...string) *h2Client {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	version := "13"
	var fields []hpack.HeaderField
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i] == "sec-websocket-version" {
			version = extra[i+1]
			continue
		}
		fields = append(fields, hpack.HeaderField{Name: extra[i], Value: extra[i+1]})
	}
	if version != "" { // "" leaves the field out
		fields = append(fields, hpack.HeaderField{Name: "sec-websocket-version", Value: version})
	}
	tn, err := h2test.DialTunnel(nc, h2test.TunnelRequest{Authority: addr, Path: "/ws", Protocol: "websocket", Fields: fields, Pseudo: pseudo})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tn.Close() })
	tn.SetReadDeadline(time.Now().Add(10 * time.Second))
	// The response head as HTTP/1.1 would show it, for rawClient.field.
	head := "HTTP/2 " + itoa(tn.Status) + "\r\n"
	for _, f := range tn.Header {
		head += f.Name + ": " + f.Value + "\r\n"
	}
	return &h2Client{rawClient: &rawClient{t: t, nc: tn, br: bufio.NewReader(tn), head: head + "\r\n"}, tn: tn}
}

// expectEnd checks how the server ended the stream: "END_STREAM" (an
// orderly close, RFC 8441 §5) or "RST_STREAM CANCEL" (an abort).
func (c *h2Client) expectEnd(want string) {
	c.t.Helper()
	ev := c.tn.WaitEnd(5 * time.Second)
	other := "RST_STREAM CANCEL"
	if want == other {
		other = "END_STREAM"
	}
	if !slices.Contains(ev, want) || slices.Contains(ev, other) {
		c.t.Fatalf("stream events %v, want %s", ev, want)
	}
}

// The RFC 8441 opening handshake: what Accept answers over HTTP/2.
func TestAcceptH2Handshake(t *testing.T) {
	pseudo := func(kv ...string) []hpack.HeaderField {
		var f []hpack.HeaderField
		for i := 0; i < len(kv); i += 2 {
			f = append(f, hpack.HeaderField{Name: kv[i], Value: kv[i+1]})
		}
		return f
	}
	tests := []struct {
		name   string
		pseudo []hpack.HeaderField
		extra  []string
		status int
		fields map[string]string // response fields; "" means absent
	}{
		// RFC 8441 §5: 200, and no Sec-WebSocket-Accept (nor Upgrade).
		{"valid", nil, nil, 200, map[string]string{"sec-websocket-accept": "", "upgrade": "", "sec-websocket-extensions": ""}},
		// RFC 8441 §5: Sec-WebSocket-Key is not used; one sent is ignored.
		{"key ignored", nil, []string{"sec-websocket-key", testKey}, 200, map[string]string{"sec-websocket-accept": ""}},
		{"subprotocol", nil, []string{"sec-websocket-protocol", "x, chat"}, 200, map[string]string{"sec-websocket-protocol": "chat"}},
		// RFC 8441 §5 with RFC 7692: negotiated as over HTTP/1.1.
		{"permessage-deflate", nil, []string{"sec-websocket-extensions", "permessage-deflate; client_max_window_bits"}, 200,
			map[string]string{"sec-websocket-extensions": "permessage-deflate; server_no_context_takeover; client_no_context_takeover"}},
		// RFC 6455 §4.2.1 item 6, §4.4 (kept by RFC 8441 §5).
		{"version 8", nil, []string{"sec-websocket-version", "8"}, 426, map[string]string{"sec-websocket-version": "13"}},
		{"no version", nil, []string{"sec-websocket-version", ""}, 400, nil},
		// RFC 6455 §10.2: Origin is checked as over HTTP/1.1.
		{"cross origin", nil, []string{"origin", "https://evil.test"}, 403, nil},
		{"same origin", nil, []string{"origin", "https://HOST"}, 200, nil},
		// RFC 8441 §4: a :protocol other than websocket is another
		// protocol's tunnel.
		{"other protocol", pseudo(":method", "CONNECT", ":protocol", "webtransport", ":scheme", "http", ":path", "/ws", ":authority", "HOST"), nil, 400, nil},
		// RFC 9113 §8.5: a CONNECT without :protocol asks for a TCP
		// tunnel.
		{"plain CONNECT", pseudo(":method", "CONNECT", ":authority", "HOST"), nil, 400, nil},
		// Over HTTP/2 only CONNECT opens a WebSocket.
		{"GET", pseudo(":method", "GET", ":scheme", "http", ":path", "/ws", ":authority", "HOST"), nil, 405, map[string]string{"allow": "CONNECT"}},
	}
	forEachEngine(t, func(t *testing.T, eng httpserver.Engine) {
		addr := startServer(t, eng, echoHandler(&AcceptOptions{Subprotocols: []string{"chat"}}, nil), withH2C)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				for i := range tt.pseudo {
					tt.pseudo[i].Value = strings.ReplaceAll(tt.pseudo[i].Value, "HOST", addr)
				}
				extra := slices.Clone(tt.extra)
				for i := range extra {
					extra[i] = strings.ReplaceAll(extra[i], "HOST", addr)
				}
				c := dialH2(t, addr, tt.pseudo, extra...)
				if c.tn.Status != tt.status {
					t.Fatalf("status %d, want %d (events %v)", c.tn.Status, tt.status, c.tn.Events())
				}
				for k, v := range tt.fields {
					if got := c.tn.Field(k); got != v {
						t.Errorf("%s: %q, want %q", k, got, v)
					}
				}
				if tt.status != 200 {
					c.expectEnd("END_STREAM")
					return
				}
				c.send(txt("hello"))
				if op, _, data := c.recvMessage(); op != opTxt || string(data) != "hello" {
					t.Fatalf("echo: op %d %q", op, data)
				}
				c.send(ctl(opCls, closePayload(1000, "")))
				c.expectClose(1000)
				c.expectEnd("END_STREAM")
			})
		}
	})
}

// Messages of every size both ways over HTTP/2, compressed and not, on
// every engine: a 1 MiB message crosses the stream's flow-control window
// several times in each direction. The client's close ends the stream
// with END_STREAM.
func TestH2Echo(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng httpserver.Engine) {
		addr := startServer(t, eng, echoHandler(&AcceptOptions{ReadLimit: 2 << 20}, nil), withH2C)
		for _, ext := range []string{"", "permessage-deflate"} {
			t.Run("ext="+ext, func(t *testing.T) {
				var extra []string
				if ext != "" {
					extra = []string{"sec-websocket-extensions", ext}
				}
				c := dialH2(t, addr, nil, extra...)
				if c.tn.Status != 200 || (c.tn.Field("sec-websocket-extensions") != "") != (ext != "") {
					t.Fatalf("handshake: %d %v", c.tn.Status, c.tn.Header)
				}
				for _, n := range []int{0, 1, 125, 126, 65535, 65536, 300 << 10, 1 << 20} {
					msg := bytes.Repeat([]byte("0123456789abcdef"), n/16+1)[:n]
					c.send(bin(msg))
					op, rsv1, data := c.recvMessage()
					if rsv1 {
						data = inflateMsg(t, data, nil) // no context takeover by default
					}
					if op != opBin || !bytes.Equal(data, msg) {
						t.Fatalf("%d bytes: op %d, %d bytes back", n, op, len(data))
					}
				}
				c.send(ctl(opCls, closePayload(1000, "bye")))
				c.expectClose(1000)
				c.expectEnd("END_STREAM")
			})
		}
	})
}

// A Conn closed without a close handshake aborts the stream (RST_STREAM
// CANCEL, RFC 8441 §5), and the handler's Read fails.
func TestH2CloseNowResets(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng httpserver.Engine) {
		done := make(chan error, 1)
		addr := startServer(t, eng, httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
			c, err := Accept(w, r, nil)
			if err != nil {
				done <- err
				return
			}
			go func() {
				time.Sleep(50 * time.Millisecond)
				c.CloseNow() // from another goroutine, while Read waits
			}()
			_, _, err = c.Read(context.Background())
			done <- err
		}), withH2C)
		c := dialH2(t, addr, nil)
		c.expectEnd("RST_STREAM CANCEL")
		if err := <-done; err == nil {
			t.Fatal("Read succeeded on a closed Conn")
		}
	})
}

// Group.Shutdown closes a WebSocket over HTTP/2 with 1001 and the close
// handshake; the stream ends with END_STREAM.
func TestH2GroupShutdown(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng httpserver.Engine) {
		g := new(Group)
		addr := startServer(t, eng, echoHandler(&AcceptOptions{Group: g}, nil), withH2C)
		c := dialH2(t, addr, nil)
		c.send(txt("x"))
		c.recvMessage()
		shut := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			shut <- g.Shutdown(ctx)
		}()
		c.expectClose(1001)
		c.expectEnd("END_STREAM")
		if err := <-shut; err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
	})
}

// The server's graceful Shutdown reaches a WebSocket over HTTP/2 without
// a Group: GOAWAY lets the stream run, the Conn gets 1001 and the close
// handshake, the stream ends with END_STREAM and Shutdown returns.
func TestH2ServerShutdownGoingAway(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng httpserver.Engine) {
		handlerDone := make(chan error, 1)
		srv, addr := startEventsServer(t, eng, echoHandler(&AcceptOptions{Group: &Group{}}, handlerDone), withH2C)
		c := dialH2(t, addr, nil)
		c.send(txt("x"))
		c.recvMessage()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		shut := make(chan error, 1)
		go func() { shut <- srv.Shutdown(ctx) }()
		c.expectClose(1001)
		c.expectEnd("END_STREAM")
		if err := <-shut; err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if err := <-handlerDone; CloseStatus(err) != 1001 {
			t.Fatalf("handler ended with %v, want the 1001 close", err)
		}
	})
}

// A violation over HTTP/2 fails the connection with its close code, then
// the stream ends in order (the close frame went out).
func TestH2ProtocolErrorEndsStream(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng httpserver.Engine) {
		handlerErr := make(chan error, 1)
		addr := startServer(t, eng, echoHandler(nil, handlerErr), withH2C)
		c := dialH2(t, addr, nil)
		c.send(withRSV(txt("x"), rsv2Bit)) // RFC 6455 §5.2: RSV2 without an extension
		c.expectClose(1002)
		c.expectEnd("END_STREAM")
		if err := <-handlerErr; err == nil {
			t.Fatal("the handler's Read succeeded")
		}
	})
}

// The stream's flow control carries the WebSocket: with a 16 KiB client
// window a 1 MiB message arrives as the client reads; once the client
// stops reading, the server's Write waits, and when its context ends the
// stream is reset with CANCEL (an abort: the frame was cut).
func TestH2FlowControl(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng httpserver.Engine) {
		msg := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
		done := make(chan error, 1)
		addr := startServer(t, eng, httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
			c, err := Accept(w, r, nil)
			if err != nil {
				done <- err
				return
			}
			defer c.CloseNow()
			if err := c.Write(context.Background(), MessageBinary, msg); err != nil {
				done <- err
				return
			}
			if _, _, err := c.Read(context.Background()); err != nil { // the client's "stop"
				done <- err
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			done <- c.Write(ctx, MessageBinary, msg)
		}), withH2C)
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		tn, err := h2test.DialTunnel(nc, h2test.TunnelRequest{Authority: addr, Path: "/ws", Protocol: "websocket", Window: 16 << 10,
			Fields: []hpack.HeaderField{{Name: "sec-websocket-version", Value: "13"}}})
		if err != nil {
			t.Fatal(err)
		}
		defer tn.Close()
		tn.SetReadDeadline(time.Now().Add(10 * time.Second))
		c := &h2Client{rawClient: &rawClient{t: t, nc: tn, br: bufio.NewReader(tn)}, tn: tn}
		if op, _, data := c.recvMessage(); op != opBin || !bytes.Equal(data, msg) {
			t.Fatalf("first message: op %d, %d bytes", op, len(data))
		}
		c.send(txt("stop")) // and read nothing more
		select {
		case err := <-done:
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("the blocked Write returned %v, want the context's deadline", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the server's Write never returned")
		}
		if ev := tn.WaitEnd(5 * time.Second); !slices.Contains(ev, "RST_STREAM CANCEL") {
			t.Fatalf("events %v, want RST_STREAM CANCEL", ev)
		}
	})
}

// A WebSocket idle longer than the server's Timeouts.Idle and
// Timeouts.Read lives on over HTTP/2: its stream is open, so the
// connection is not idle, and a tunnel has no read deadline.
func TestH2IdleWebSocketOutlivesTimeouts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng httpserver.Engine) {
		addr := startServer(t, eng, echoHandler(nil, nil), withH2C, func(s *httpserver.Server) {
			s.Timeouts.Idle = 100 * time.Millisecond
			s.Timeouts.Read = 100 * time.Millisecond
		})
		c := dialH2(t, addr, nil)
		time.Sleep(400 * time.Millisecond)
		c.send(txt("still there"))
		if op, _, data := c.recvMessage(); op != opTxt || string(data) != "still there" {
			t.Fatalf("echo after idling: op %d %q", op, data)
		}
		c.send(ctl(opCls, closePayload(1000, "")))
		c.expectClose(1000)
		c.expectEnd("END_STREAM")
	})
}

// The stream as a net.Conn: addresses from the request, deadlines through
// the ResponseController (a write past its deadline fails as on a
// socket).
func TestH2StreamConnAddrsAndDeadlines(t *testing.T) {
	type result struct {
		local, remote, network string
		writeErr               error
	}
	got := make(chan result, 1)
	addr := startServer(t, httpserver.EngineGoroutine, httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		c, err := Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		sc := c.nc.(*streamConn)
		sc.SetDeadline(time.Now().Add(time.Minute))
		sc.SetWriteDeadline(time.Now().Add(-time.Second))
		_, werr := sc.Write([]byte{0x81, 0})
		got <- result{c.LocalAddr().String(), c.RemoteAddr().String(), c.RemoteAddr().Network(), werr}
	}), withH2C)
	c := dialH2(t, addr, nil)
	res := <-got
	if res.local != addr || res.remote != c.tn.LocalAddr().String() || res.network != "tcp" {
		t.Errorf("local %q remote %q (%s), want %q and %q", res.local, res.remote, res.network, addr, c.tn.LocalAddr())
	}
	if !errors.Is(res.writeErr, os.ErrDeadlineExceeded) {
		t.Errorf("write past the deadline: %v", res.writeErr)
	}
}

// Over HTTP/2 too, a writer that cannot carry a tunnel (middleware.Timeout
// buffers and does not Unwrap) gets 500, not a 200 whose stream then
// ends as soon as the handler returns.
func TestAcceptH2BehindBufferingMiddleware(t *testing.T) {
	errc := make(chan error, 1)
	h := middleware.Timeout(5*time.Second, middleware.TimeoutOptions{})(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		_, err := Accept(w, r, nil)
		errc <- err
	}))
	c := dialH2(t, startServer(t, httpserver.EngineGoroutine, h, withH2C), nil)
	if c.tn.Status != 500 {
		t.Fatalf("status %d, want 500", c.tn.Status)
	}
	if err := <-errc; !errors.Is(err, httpserver.ErrNotSupported) {
		t.Fatalf("Accept: %v", err)
	}
}
