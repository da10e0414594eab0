// Package wstest is a raw WebSocket client for tests over loopback
// sockets: it writes the opening handshake and masked frames byte for
// byte and decodes the server's frames itself, sharing no code with the
// websocket package it tests.
//
//	c := wstest.Dial(t, addr, "/api/ws")
//	c.Send(wstest.OpText, []byte("hi"))
//	op, msg := c.RecvMessage()
package wstest

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// Opcodes (RFC 6455 §5.2).
const (
	OpCont   = 0x0
	OpText   = 0x1
	OpBinary = 0x2
	OpClose  = 0x8
	OpPing   = 0x9
	OpPong   = 0xA
)

// Key is the Sec-WebSocket-Key Dial sends (RFC 6455 §1.3's example).
const Key = "dGhlIHNhbXBsZSBub25jZQ=="

// Client is one connection.
type Client struct {
	t    testing.TB
	Conn net.Conn
	br   *bufio.Reader
	// Head is the handshake response head as received.
	Head string
}

// Dial sends a WebSocket handshake for path with the extra header lines
// and reads the response head; the connection closes when the test ends.
func Dial(t testing.TB, addr, path string, extra ...string) *Client {
	t.Helper()
	req := "GET " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + Key + "\r\nSec-WebSocket-Version: 13\r\n"
	for _, e := range extra {
		req += e + "\r\n"
	}
	return Raw(t, addr, req+"\r\n")
}

// Raw sends req as is and reads the response head.
func Raw(t testing.TB, addr, req string) *Client {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(nc, req); err != nil {
		t.Fatal(err)
	}
	c := &Client{t: t, Conn: nc, br: bufio.NewReader(nc)}
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
	c.Head = head.String()
	return c
}

// Status returns the response's status code.
func (c *Client) Status() int {
	var code int
	fmt.Sscanf(c.Head, "HTTP/1.1 %d", &code)
	return code
}

// Field returns a response header field, "" when absent.
func (c *Client) Field(name string) string {
	for _, line := range strings.Split(c.Head, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// SendFrame writes one masked frame; rsv1 marks a compressed message.
func (c *Client) SendFrame(fin, rsv1 bool, op byte, data []byte) {
	c.t.Helper()
	b0 := op
	if fin {
		b0 |= 0x80
	}
	if rsv1 {
		b0 |= 0x40
	}
	out := []byte{b0}
	switch n := len(data); {
	case n < 126:
		out = append(out, 0x80|byte(n))
	case n <= 0xFFFF:
		out = binary.BigEndian.AppendUint16(append(out, 0x80|126), uint16(n))
	default:
		out = binary.BigEndian.AppendUint64(append(out, 0x80|127), uint64(n))
	}
	var key [4]byte
	rand.Read(key[:])
	out = append(out, key[:]...)
	for i, b := range data {
		out = append(out, b^key[i%4])
	}
	if _, err := c.Conn.Write(out); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// Send writes a whole message in one frame.
func (c *Client) Send(op byte, data []byte) { c.t.Helper(); c.SendFrame(true, false, op, data) }

// Frame is a frame received.
type Frame struct {
	Fin, RSV1 bool
	Op        byte
	Data      []byte
}

// Recv reads one frame.
func (c *Client) Recv() (Frame, error) {
	var h [2]byte
	if _, err := io.ReadFull(c.br, h[:]); err != nil {
		return Frame{}, err
	}
	f := Frame{Fin: h[0]&0x80 != 0, RSV1: h[0]&0x40 != 0, Op: h[0] & 0xF}
	if h[1]&0x80 != 0 {
		return f, fmt.Errorf("server sent a masked frame")
	}
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
	if n > 64<<20 {
		return f, fmt.Errorf("frame of %d bytes", n)
	}
	f.Data = make([]byte, n)
	_, err := io.ReadFull(c.br, f.Data)
	return f, err
}

// RecvMessage reads a whole data message; rsv1 reports whether it was
// compressed (the payload is returned as received).
func (c *Client) RecvMessage() (op byte, rsv1 bool, data []byte) {
	c.t.Helper()
	for i := 0; ; i++ {
		f, err := c.Recv()
		if err != nil {
			c.t.Fatalf("RecvMessage: %v", err)
		}
		if f.Op >= OpClose {
			c.t.Fatalf("control frame %d (%q) inside a message", f.Op, f.Data)
		}
		if i == 0 {
			op, rsv1 = f.Op, f.RSV1
		}
		data = append(data, f.Data...)
		if f.Fin {
			return op, rsv1, data
		}
	}
}

// ExpectClose reads up to the server's close frame, checks its code,
// answers it and checks that the server closes the connection.
func (c *Client) ExpectClose(code int) {
	c.t.Helper()
	for range 1000 {
		f, err := c.Recv()
		if err != nil {
			c.t.Fatalf("want close %d, got %v", code, err)
		}
		if f.Op != OpClose {
			continue
		}
		got := 1005
		if len(f.Data) >= 2 {
			got = int(binary.BigEndian.Uint16(f.Data))
		}
		if got != code {
			c.t.Fatalf("close code %d, want %d", got, code)
		}
		c.SendFrameQuiet(f.Data[:min(2, len(f.Data))])
		c.Conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Recv(); err == nil {
			c.t.Fatal("frame after the close frame")
		} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
			c.t.Fatal("server did not close the connection")
		}
		return
	}
	c.t.Fatal("no close frame")
}

// SendFrameQuiet sends a close frame with body, masked with the zero
// key, ignoring write errors (the server may have closed already).
func (c *Client) SendFrameQuiet(body []byte) {
	out := []byte{0x80 | OpClose, 0x80 | byte(len(body)), 0, 0, 0, 0}
	c.Conn.Write(append(out, body...))
}

// Close sends a close frame with code and expects the server's answer.
func (c *Client) Close(code int) {
	c.t.Helper()
	c.Send(OpClose, binary.BigEndian.AppendUint16(nil, uint16(code)))
	c.ExpectClose(code)
}
