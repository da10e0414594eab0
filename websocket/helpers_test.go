package websocket

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
)

// engines are the server engines every socket test runs on.
func engines() []httpserver.Engine {
	e := []httpserver.Engine{httpserver.EngineGoroutine, httpserver.EnginePool}
	if runtime.GOOS == "linux" {
		e = append(e, httpserver.EngineEpoll)
	}
	return e
}

// forEachEngine runs fn once per engine.
func forEachEngine(t *testing.T, fn func(t *testing.T, eng httpserver.Engine)) {
	for _, eng := range engines() {
		t.Run(string(eng), func(t *testing.T) { fn(t, eng) })
	}
}

// startServer serves h on a loopback port with engine eng until the test
// ends; configure, if given, changes the Server before it starts.
func startServer(t *testing.T, eng httpserver.Engine, h httpserver.Handler, configure ...func(*httpserver.Server)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var handlers sync.WaitGroup
	counted := httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		handlers.Add(1)
		defer handlers.Done()
		h.ServeHTTP(w, r)
	})
	srv := &httpserver.Server{Handler: counted, Engine: eng, Logger: slog.New(slog.DiscardHandler)}
	for _, f := range configure {
		f(srv)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		// Handlers own their hijacked connections: each must have ended
		// (and closed its connection) soon after its client went away.
		waited := make(chan struct{})
		go func() { handlers.Wait(); close(waited) }()
		select {
		case <-waited:
		case <-time.After(5 * time.Second):
			t.Errorf("a handler is still running 5s after the test")
		}
		srv.Close()
		if err := <-done; err != httpserver.ErrServerClosed {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// echoHandler accepts with opts and echoes every message whole until the
// connection ends. handlerDone, when not nil, receives the error that
// ended it.
func echoHandler(opts *AcceptOptions, handlerDone chan<- error) httpserver.Handler {
	return httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		c, err := Accept(w, r, opts)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := context.Background()
		for {
			typ, msg, err := c.Read(ctx)
			if err == nil {
				err = c.Write(ctx, typ, msg)
			}
			if err != nil {
				if handlerDone != nil {
					handlerDone <- err
				}
				return
			}
		}
	})
}

// streamEchoHandler echoes each message through Reader and Writer, in
// small pieces.
func streamEchoHandler(opts *AcceptOptions) httpserver.Handler {
	return httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		c, err := Accept(w, r, opts)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := context.Background()
		buf := make([]byte, 1000)
		for {
			typ, rd, err := c.Reader(ctx)
			if err != nil {
				return
			}
			wr, err := c.Writer(ctx, typ)
			if err != nil {
				return
			}
			if _, err := io.CopyBuffer(wr, readFunc(rd.Read), buf); err != nil {
				wr.Close()
				return
			}
			if err := wr.Close(); err != nil {
				return
			}
		}
	})
}

// rawClient is a WebSocket client written for the tests: it sends frames
// byte for byte as told and decodes the server's frames itself, with no
// code shared with the package.
type rawClient struct {
	t    testing.TB
	nc   net.Conn
	br   *bufio.Reader
	head string // the handshake response head
}

const testKey = "dGhlIHNhbXBsZSBub25jZQ=="

// dialRaw connects and sends a handshake with the extra header lines;
// it returns the client once the response head has been read.
func dialRaw(t testing.TB, addr string, extra ...string) *rawClient {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	req := "GET /ws HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + testKey + "\r\nSec-WebSocket-Version: 13\r\n"
	for _, e := range extra {
		req += e + "\r\n"
	}
	return rawRequest(t, nc, req+"\r\n")
}

// rawRequest sends req on nc and reads the response head.
func rawRequest(t testing.TB, nc net.Conn, req string) *rawClient {
	t.Helper()
	if _, err := io.WriteString(nc, req); err != nil {
		t.Fatal(err)
	}
	c := &rawClient{t: t, nc: nc, br: bufio.NewReader(nc)}
	var head strings.Builder
	for {
		line, err := c.br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the response head: %v (so far %q)", err, head.String())
		}
		head.WriteString(line)
		if line == "\r\n" {
			break
		}
	}
	c.head = head.String()
	return c
}

// status returns the response's status code.
func (c *rawClient) status() int {
	var code int
	fmt.Sscanf(c.head, "HTTP/1.1 %d", &code)
	return code
}

// field returns the value of a response header field, "" if absent.
func (c *rawClient) field(name string) string {
	for _, line := range strings.Split(c.head, "\r\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// frame is a frame as the tests see it.
type frame struct {
	fin    bool
	rsv    byte // RSV1..3 as bits 0x4, 0x2, 0x1
	op     byte
	masked bool
	data   []byte
}

// encode returns the frame's bytes; the client masks with a random key
// unless told not to mask.
func (f frame) encode(mask bool) []byte {
	b0 := f.op | f.rsv<<4
	if f.fin {
		b0 |= 0x80
	}
	var b1 byte
	if mask {
		b1 = 0x80
	}
	out := []byte{b0}
	switch n := len(f.data); {
	case n < 126:
		out = append(out, b1|byte(n))
	case n <= 0xFFFF:
		out = append(out, b1|126)
		out = binary.BigEndian.AppendUint16(out, uint16(n))
	default:
		out = append(out, b1|127)
		out = binary.BigEndian.AppendUint64(out, uint64(n))
	}
	payload := append([]byte(nil), f.data...)
	if mask {
		var key [4]byte
		rand.Read(key[:])
		out = append(out, key[:]...)
		for i := range payload {
			payload[i] ^= key[i%4]
		}
	}
	return append(out, payload...)
}

// send writes frames, masked.
func (c *rawClient) send(frames ...frame) {
	c.t.Helper()
	for _, f := range frames {
		if _, err := c.nc.Write(f.encode(true)); err != nil {
			c.t.Fatalf("send: %v", err)
		}
	}
}

// recv reads one frame from the server.
func (c *rawClient) recv() (frame, error) {
	var h [2]byte
	if _, err := io.ReadFull(c.br, h[:]); err != nil {
		return frame{}, err
	}
	f := frame{fin: h[0]&0x80 != 0, rsv: h[0] >> 4 & 7, op: h[0] & 0xF, masked: h[1]&0x80 != 0}
	n := uint64(h[1] & 0x7F)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(c.br, b[:]); err != nil {
			return f, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(c.br, b[:]); err != nil {
			return f, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	if f.masked {
		return f, errors.New("server sent a masked frame")
	}
	if n > 64<<20 {
		return f, fmt.Errorf("frame of %d bytes", n)
	}
	f.data = make([]byte, n)
	_, err := io.ReadFull(c.br, f.data)
	return f, err
}

// recvMessage reads a whole data message, skipping nothing: control
// frames in between fail the test.
func (c *rawClient) recvMessage() (op byte, rsv1 bool, data []byte) {
	c.t.Helper()
	for i := 0; ; i++ {
		f, err := c.recv()
		if err != nil {
			c.t.Fatalf("recvMessage: %v", err)
		}
		if i == 0 {
			op, rsv1 = f.op, f.rsv&4 != 0
		} else if f.op != 0 {
			c.t.Fatalf("frame %d of a message has opcode %d", i, f.op)
		}
		data = append(data, f.data...)
		if f.fin {
			return op, rsv1, data
		}
	}
}

// expectClose reads frames up to the server's close frame, checks its
// code, and checks that the server then closes the connection.
func (c *rawClient) expectClose(code int) {
	c.t.Helper()
	for range 100 {
		f, err := c.recv()
		if err != nil {
			c.t.Fatalf("want close %d, got %v", code, err)
		}
		if f.op != 0x8 {
			continue
		}
		got := 1005
		if len(f.data) >= 2 {
			got = int(binary.BigEndian.Uint16(f.data))
		}
		if got != code {
			c.t.Fatalf("close code %d (reason %q), want %d", got, f.data[min(2, len(f.data)):], code)
		}
		// Answer as a client does (RFC 6455 §5.5.1); the server may have
		// closed already, so a failed write is not an error.
		c.nc.Write(frame{fin: true, op: 0x8, data: f.data[:min(2, len(f.data))]}.encode(true))
		c.expectEOF()
		return
	}
	c.t.Fatal("no close frame in 100 frames")
}

// expectEOF checks that the server closed the TCP connection.
func (c *rawClient) expectEOF() {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if f, err := c.recv(); err == nil {
		c.t.Fatalf("frame after close: op %d %q", f.op, f.data)
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		c.t.Fatal("server did not close the connection")
	}
}

func closePayload(code int, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...)
}
