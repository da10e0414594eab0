// Command wsidle measures what an idle WebSocket costs a server: it
// opens N WebSockets to it from source addresses spread over
// 127.0.0.2-127.0.0.251 (optionally offering permessage-deflate), sends
// one message on each and checks the echo, then reports the server's
// resident memory per connection above its baseline (VmRSS from
// /proc/PID/status before and after), then again after asking the
// server to collect its garbage (SIGUSR1; see wsserver).
//
//	wsidle -addr 127.0.0.1:9301 -pid 1234 -n 10000 [-deflate]
//
// Everything is bounded: N connections, each with a 10 s deadline, and a
// 180 s limit overall.
package main

import (
	"bufio"
	"bytes"
	"compress/flate"
	"crypto/rand"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rawsock/httpserver/bench/internal/harness"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9301", "server address (loopback only)")
	path := flag.String("path", "/ws", "WebSocket path")
	pid := flag.Int("pid", 0, "server process id, for its RSS")
	n := flag.Int("n", 10000, "connections to open")
	deflate := flag.Bool("deflate", false, "offer permessage-deflate and send the message compressed")
	settle := flag.Duration("settle", 3*time.Second, "wait before reading the RSS")
	flag.Parse()
	harness.RequireLoopback(*addr)
	time.AfterFunc(180*time.Second, func() { log.Fatal("wsidle: gave up after 180s") })

	msg := []byte(strings.Repeat("an idle WebSocket says hello ", 8)) // 232 bytes
	base := harness.RSSKiB(*pid)
	var compressed atomic.Int64
	conns := harness.OpenAll(*n, 64, func(i int) (net.Conn, error) {
		c, negotiated, err := dialAndEcho(*addr, *path, i, *deflate, msg)
		if negotiated {
			compressed.Add(1)
		}
		return c, err
	})
	if *deflate && compressed.Load() != int64(*n) {
		log.Fatalf("wsidle: permessage-deflate negotiated on %d of %d connections", compressed.Load(), *n)
	}
	runtime.GC()
	time.Sleep(*settle)
	after := harness.RSSKiB(*pid)
	perConn := float64(after-base) * 1024 / float64(*n)
	// The server's garbage and pools collected, as its periodic GC and
	// scavenger would in time (wsserver handles SIGUSR1 so).
	syscall.Kill(*pid, syscall.SIGUSR1)
	time.Sleep(*settle)
	gced := harness.RSSKiB(*pid)
	perConnGC := float64(gced-base) * 1024 / float64(*n)
	fmt.Printf("conns=%d deflate=%v base_kib=%d after_kib=%d per_conn_bytes=%.0f after_gc_kib=%d per_conn_bytes_gc=%.0f\n", *n, *deflate, base, after, perConn, gced, perConnGC)
	for _, c := range conns {
		c.Close()
	}
}

// dialAndEcho opens WebSocket i (harness.DialFrom), sends msg
// (compressed when permessage-deflate was negotiated) and checks that a
// message of the same type comes back.
func dialAndEcho(addr, path string, i int, deflate bool, msg []byte) (net.Conn, bool, error) {
	c, err := harness.DialFrom(addr, i)
	if err != nil {
		return nil, false, err
	}
	fail := func(err error) (net.Conn, bool, error) { c.Close(); return nil, false, err }
	hs := harness.Handshake{Host: "bench", Path: path}
	if deflate {
		hs.Extensions = "permessage-deflate; client_max_window_bits"
	}
	br := bufio.NewReaderSize(c, 512)
	extensions, err := hs.Do(c, br)
	if err != nil {
		return fail(err)
	}
	negotiated := strings.Contains(extensions, "permessage-deflate")
	payload, b0 := msg, byte(0x81)
	if negotiated {
		var buf bytes.Buffer
		fw, _ := flate.NewWriter(&buf, flate.BestSpeed)
		fw.Write(msg)
		fw.Flush()
		payload, b0 = buf.Bytes()[:buf.Len()-4], 0xC1 // RSV1: compressed (RFC 7692)
	}
	var key [4]byte
	rand.Read(key[:])
	if _, err := c.Write(harness.AppendMaskedFrame(nil, b0, payload, key)); err != nil {
		return fail(err)
	}
	var h [4]byte
	if _, err := io.ReadFull(br, h[:2]); err != nil || h[0]&0x0F != 0x1 {
		return fail(fmt.Errorf("echo header % x: %v", h[:2], err))
	}
	size := int(h[1] & 0x7F)
	if size == 126 {
		if _, err := io.ReadFull(br, h[2:4]); err != nil {
			return fail(err)
		}
		size = int(binary.BigEndian.Uint16(h[2:4]))
	}
	if _, err := io.CopyN(io.Discard, br, int64(size)); err != nil {
		return fail(err)
	}
	c.SetDeadline(time.Time{})
	return c, negotiated, nil
}
