// Command wsload drives a WebSocket echo server: it opens C connections
// to ws://ADDR/ws (without offering permessage-deflate), and on each one
// sends a binary message of SIZE bytes as a single masked frame, waits
// for the echo, checks it and sends the next, back to back, for the
// duration. It writes the frames itself (no WebSocket library), so the
// client costs the same against every server.
//
//	wsload -addr 127.0.0.1:9401 -c 256 -size 1024 -d 5s
//
// The last line is "RESULT messages duration_us errors p50_us p99_us"
// (round-trip times of the echoes), which bench/ws.sh reads. Everything is
// bounded: the duration plus a 10 s deadline per operation.
package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9400", "server address (loopback only)")
	conns := flag.Int("c", 256, "connections")
	size := flag.Int("size", 1024, "message size in bytes")
	dur := flag.Duration("d", 5*time.Second, "duration")
	flag.Parse()
	host, _, err := net.SplitHostPort(*addr)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		log.Fatalf("wsload: %q is not a loopback address", *addr)
	}
	time.AfterFunc(*dur+60*time.Second, func() { log.Fatal("wsload: gave up") })

	// Open every connection first, so that the timed part is echo only.
	cs := make([]*wsConn, *conns)
	var wg sync.WaitGroup
	var failed atomic.Int64
	for i := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := dial(*addr, i)
			if err != nil {
				if failed.Add(1) <= 3 {
					log.Printf("wsload: connection %d: %v", i, err)
				}
				return
			}
			cs[i] = c
		}()
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		log.Fatalf("wsload: %d of %d connections failed", f, *conns)
	}

	var errs atomic.Int64
	lat := make([][]uint32, *conns)
	start := time.Now()
	deadline := start.Add(*dur)
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.nc.Close()
			l, err := c.echoLoop(*size, deadline)
			lat[i] = l
			if err != nil {
				if errs.Add(1) <= 3 {
					log.Printf("wsload: connection %d: %v", i, err)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	all := slices.Concat(lat...)
	slices.Sort(all)
	pct := func(p float64) uint32 {
		if len(all) == 0 {
			return 0
		}
		return all[min(len(all)-1, int(float64(len(all))*p))]
	}
	fmt.Printf("%d messages of %d bytes over %d connections in %v: %.0f msg/s, p50 %d µs, p99 %d µs, %d errors\n",
		len(all), *size, *conns, elapsed.Round(time.Millisecond), float64(len(all))/elapsed.Seconds(), pct(0.5), pct(0.99), errs.Load())
	fmt.Printf("RESULT %d %d %d %d %d\n", len(all), elapsed.Microseconds(), errs.Load(), pct(0.5), pct(0.99))
}

type wsConn struct {
	nc net.Conn
	br *bufio.Reader
}

// dial opens connection i from 127.0.0.(2+i%250) and completes the opening
// handshake (RFC 6455 §4.1).
func dial(addr string, i int) (*wsConn, error) {
	d := net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i%250))}}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReaderSize(nc, 64<<10)
	if err := handshake(nc, br, addr); err != nil {
		nc.Close()
		return nil, err
	}
	nc.SetDeadline(time.Time{})
	return &wsConn{nc: nc, br: br}, nil
}

// handshake sends the upgrade request and reads the 101 answer.
func handshake(nc net.Conn, br *bufio.Reader, addr string) error {
	req := "GET /ws HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := io.WriteString(nc, req); err != nil {
		return err
	}
	status, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.1 101") {
		return fmt.Errorf("status %q: %v", status, err)
	}
	for range 100 {
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		if strings.HasPrefix(strings.ToLower(line), "sec-websocket-accept:") &&
			strings.TrimSpace(line[len("sec-websocket-accept:"):]) != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
			return fmt.Errorf("bad accept header %q", line)
		}
		if line == "\r\n" {
			return nil
		}
	}
	return errors.New("too many header lines")
}

// echoLoop sends size-byte binary messages and reads their echoes until
// the deadline, and returns the round-trip times in microseconds.
func (c *wsConn) echoLoop(size int, deadline time.Time) ([]uint32, error) {
	payload := make([]byte, size)
	rand.Read(payload)
	var key [4]byte
	rand.Read(key[:])
	// The frame is the same every time: FIN + binary, masked length, key,
	// masked payload (RFC 6455 §5.2, §5.3).
	frame := []byte{0x82}
	switch {
	case size < 126:
		frame = append(frame, 0x80|byte(size))
	case size < 1<<16:
		frame = append(frame, 0x80|126)
		frame = binary.BigEndian.AppendUint16(frame, uint16(size))
	default:
		frame = append(frame, 0x80|127)
		frame = binary.BigEndian.AppendUint64(frame, uint64(size))
	}
	frame = append(frame, key[:]...)
	for i, b := range payload {
		frame = append(frame, b^key[i&3])
	}
	got := make([]byte, size)
	lat := make([]uint32, 0, 4096)
	c.nc.SetDeadline(deadline.Add(10 * time.Second))
	for first := true; time.Now().Before(deadline); first = false {
		t0 := time.Now()
		if _, err := c.nc.Write(frame); err != nil {
			return lat, err
		}
		if err := c.readEcho(got); err != nil {
			return lat, err
		}
		lat = append(lat, uint32(time.Since(t0).Microseconds()))
		if first && !bytes.Equal(got, payload) {
			return lat, errors.New("echo differs from the message sent")
		}
	}
	return lat, nil
}

// readEcho reads one unmasked binary message of len(p) bytes into p. The
// server may send it in several frames (RFC 6455 §5.4); nbio cuts
// messages into 32 KiB frames.
func (c *wsConn) readEcho(p []byte) error {
	got := 0
	for op := byte(0x2); ; op = 0x0 {
		var h [2]byte
		if _, err := io.ReadFull(c.br, h[:]); err != nil {
			return err
		}
		if h[0]&0x7f != op || h[1]&0x80 != 0 {
			return fmt.Errorf("unexpected frame header % x", h)
		}
		n := int(h[1] & 0x7f)
		switch n {
		case 126:
			var b [2]byte
			if _, err := io.ReadFull(c.br, b[:]); err != nil {
				return err
			}
			n = int(binary.BigEndian.Uint16(b[:]))
		case 127:
			var b [8]byte
			if _, err := io.ReadFull(c.br, b[:]); err != nil {
				return err
			}
			n = int(binary.BigEndian.Uint64(b[:]))
		}
		if n > len(p)-got {
			return fmt.Errorf("echo longer than the %d bytes sent", len(p))
		}
		if _, err := io.ReadFull(c.br, p[got:got+n]); err != nil {
			return err
		}
		got += n
		if h[0]&0x80 != 0 { // FIN
			break
		}
	}
	if got != len(p) {
		return fmt.Errorf("echo of %d bytes, sent %d", got, len(p))
	}
	return nil
}
