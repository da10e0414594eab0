package soak

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"time"
)

// wsMessages is how many messages a WebSocket session echoes before it
// closes and a new one opens.
const wsMessages = 200

// webSocket runs echo sessions at /api/ws: text and binary messages of up
// to 16 KiB, each checked when it comes back, then a closing handshake.
// Each message counts as one operation.
func webSocket(ctx context.Context, t *traffic, rng *rand.Rand, tick func() bool) {
	var s *wsSession
	defer func() {
		if s != nil {
			s.nc.Close()
		}
	}()
	for i := 0; i < maxOps && tick(); i++ {
		if s == nil {
			var err error
			if s, err = wsDial(t.addr); err != nil {
				t.record("ws", err)
				continue
			}
		}
		msg := make([]byte, rng.IntN(16<<10))
		for j := range msg {
			msg[j] = 'a' + byte(j%26)
		}
		op := byte(1 + rng.IntN(2)) // text or binary
		err := s.echo(op, msg)
		if err == nil && s.sent >= wsMessages {
			err = s.close()
			s = nil
		}
		if err != nil && s != nil {
			s.nc.Close()
			s = nil
		}
		t.record("ws", err)
	}
}

// wsSession is one WebSocket connection.
type wsSession struct {
	nc   net.Conn
	br   *bufio.Reader
	sent int
}

// wsDial opens a connection and performs the opening handshake (RFC 6455
// §4.1).
func wsDial(addr string) (*wsSession, error) {
	nc, err := net.DialTimeout("tcp", addr, opTimeout)
	if err != nil {
		return nil, err
	}
	nc.SetDeadline(time.Now().Add(opTimeout))
	req := "GET /api/ws HTTP/1.1\r\nHost: soak\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := io.WriteString(nc, req); err != nil {
		nc.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(nc, 16<<10)
	status, err := br.ReadString('\n')
	for err == nil {
		var l string
		if l, err = br.ReadString('\n'); l == "\r\n" {
			break
		}
	}
	if err != nil {
		nc.Close()
		return nil, err
	}
	if !strings.HasPrefix(status, "HTTP/1.1 101") {
		nc.Close()
		return nil, checkErr("ws handshake %q", strings.TrimSpace(status))
	}
	return &wsSession{nc: nc, br: br}, nil
}

// send writes one masked frame (RFC 6455 §5.2, §5.3: client frames are
// masked).
func (s *wsSession) send(op byte, payload []byte) error {
	b := []byte{0x80 | op}
	switch n := len(payload); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n < 1<<16:
		b = append(b, 0x80|126, byte(n>>8), byte(n))
	default:
		b = binary.BigEndian.AppendUint64(append(b, 0x80|127), uint64(n))
	}
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	b = append(b, key[:]...)
	for i, c := range payload {
		b = append(b, c^key[i%4])
	}
	_, err := s.nc.Write(b)
	return err
}

// recv reads one message, answering pings and skipping pongs; a close
// frame returns op 8.
func (s *wsSession) recv() (op byte, msg []byte, err error) {
	for range 1000 {
		var h [2]byte
		if _, err := io.ReadFull(s.br, h[:]); err != nil {
			return 0, nil, err
		}
		fin, fop := h[0]&0x80 != 0, h[0]&0x0f
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			var e [2]byte
			if _, err := io.ReadFull(s.br, e[:]); err != nil {
				return 0, nil, err
			}
			n = uint64(binary.BigEndian.Uint16(e[:]))
		case 127:
			var e [8]byte
			if _, err := io.ReadFull(s.br, e[:]); err != nil {
				return 0, nil, err
			}
			n = binary.BigEndian.Uint64(e[:])
		}
		if n > 1<<20 {
			return 0, nil, checkErr("ws frame of %d bytes", n)
		}
		p := make([]byte, n)
		if _, err := io.ReadFull(s.br, p); err != nil {
			return 0, nil, err
		}
		switch fop {
		case 0x9: // ping: answer with a pong (§5.5.2)
			if err := s.send(0xA, p); err != nil {
				return 0, nil, err
			}
			continue
		case 0xA:
			continue
		case 0x8:
			return 0x8, p, nil
		}
		if fop != 0 {
			op = fop
		}
		msg = append(msg, p...)
		if fin {
			return op, msg, nil
		}
	}
	return 0, nil, checkErr("ws: no message in 1000 frames")
}

// echo sends one message and checks that it comes back unchanged.
func (s *wsSession) echo(op byte, msg []byte) error {
	s.nc.SetDeadline(time.Now().Add(opTimeout))
	if err := s.send(op, msg); err != nil {
		return err
	}
	s.sent++
	gop, got, err := s.recv()
	if err != nil {
		return err
	}
	if gop != op || !bytes.Equal(got, msg) {
		return checkErr("ws echo: opcode %d, %d bytes (sent %d, %d bytes)", gop, len(got), op, len(msg))
	}
	return nil
}

// close performs the closing handshake (§7.1.2) with 1000 and closes the
// connection.
func (s *wsSession) close() error {
	defer s.nc.Close()
	s.nc.SetDeadline(time.Now().Add(opTimeout))
	if err := s.send(0x8, []byte{0x03, 0xe8}); err != nil {
		return err
	}
	op, _, err := s.recv()
	if err != nil {
		return err
	}
	if op != 0x8 {
		return checkErr("ws close: opcode %d", op)
	}
	return nil
}
