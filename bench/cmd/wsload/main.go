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
	"sync"
	"sync/atomic"
	"time"

	"github.com/rawsock/httpserver/bench/internal/harness"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9400", "server address (loopback only)")
	conns := flag.Int("c", 256, "connections")
	size := flag.Int("size", 1024, "message size in bytes")
	dur := flag.Duration("d", 5*time.Second, "duration")
	flag.Parse()
	harness.RequireLoopback(*addr)
	time.AfterFunc(*dur+60*time.Second, func() { log.Fatal("wsload: gave up") })

	// Open every connection first, so that the timed part is echo only.
	cs := harness.OpenAll(*conns, *conns, func(i int) (*wsConn, error) { return dial(*addr, i) })

	var wg sync.WaitGroup
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

// dial opens connection i (harness.DialFrom) and completes the opening
// handshake on /ws.
func dial(addr string, i int) (*wsConn, error) {
	nc, err := harness.DialFrom(addr, i)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(nc, 64<<10)
	if _, err := (harness.Handshake{Host: addr, Path: "/ws"}).Do(nc, br); err != nil {
		nc.Close()
		return nil, err
	}
	nc.SetDeadline(time.Time{})
	return &wsConn{nc: nc, br: br}, nil
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
	frame := harness.AppendMaskedFrame(nil, 0x82, payload, key)
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
