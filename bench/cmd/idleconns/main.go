// Command idleconns measures what an idle keep-alive connection costs a
// server: it opens N connections to it from source addresses spread over
// 127.0.0.2-127.0.0.251, sends one request on each and checks the answer,
// then reports the server's resident memory per connection above its
// baseline (read from /proc/PID/status before and after). With -gc it
// then sends the server SIGUSR1, on which benchserver collects garbage and
// returns free memory to the OS, and reports the resident memory again:
// what the connections hold once the garbage of their handshakes and
// requests is gone.
//
//	idleconns -addr 127.0.0.1:9001 -pid 1234 -n 10000 [-gc]
//
// With -ws each connection is a WebSocket instead: an opening handshake on
// /ws (bench/cmd/wsbenchserver, which also answers SIGUSR1), then nothing.
//
// Everything is bounded: N connections, each with a 10 s deadline, and a
// 120 s limit overall.
package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rawsock/httpserver/bench/internal/harness"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "server address (loopback only)")
	pid := flag.Int("pid", 0, "server process id, for its RSS")
	n := flag.Int("n", 10000, "connections to open")
	settle := flag.Duration("settle", 2*time.Second, "wait before reading the RSS")
	useTLS := flag.Bool("tls", false, "connect with TLS (HTTP/1.1 by ALPN; the certificate is not verified)")
	classic := flag.Bool("tls-classic", false, "with -tls, offer only the X25519 key exchange (a small ClientHello, as clients without ML-KEM send)")
	ws := flag.Bool("ws", false, "open WebSockets on /ws instead of HTTP keep-alive connections")
	gc := flag.Bool("gc", false, "then send the server SIGUSR1 (benchserver: GC and free memory returned) and report its RSS again")
	flag.Parse()
	harness.RequireLoopback(*addr)
	time.AfterFunc(120*time.Second, func() { log.Fatal("idleconns: gave up after 120s") })

	base := harness.RSSKiB(*pid)
	conns := harness.OpenAll(*n, 64, func(i int) (net.Conn, error) {
		var tc *tls.Config
		if *useTLS {
			tc = &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}}
			if *classic {
				tc.CurvePreferences = []tls.CurveID{tls.X25519}
			}
		}
		dial := dialAndAsk
		if *ws {
			dial = dialWebSocket
		}
		return dial(*addr, i, tc)
	})
	runtime.GC()
	time.Sleep(*settle)
	after := harness.RSSKiB(*pid)
	perConn := float64(after-base) / float64(*n)
	line := fmt.Sprintf("conns=%d base_kib=%d after_kib=%d per_conn_kib=%.2f", *n, base, after, perConn)
	if *gc {
		if err := syscall.Kill(*pid, syscall.SIGUSR1); err != nil {
			log.Fatalf("idleconns: %v", err)
		}
		afterGC := rssAfterGC(*pid, after)
		line += fmt.Sprintf(" gc_kib=%d per_conn_gc_kib=%.2f", afterGC, float64(afterGC-base)/float64(*n))
	}
	fmt.Println(line)
	for _, c := range conns {
		c.Close()
	}
}

// dialAndAsk opens connection i (harness.DialFrom), over TLS with tc if
// not nil, and checks one keep-alive answer on it.
func dialAndAsk(addr string, i int, tc *tls.Config) (net.Conn, error) {
	c, err := harness.DialFrom(addr, i)
	if err != nil {
		return nil, err
	}
	if tc != nil {
		c = tls.Client(c, tc)
	}
	if _, err := c.Write([]byte("GET /plaintext HTTP/1.1\r\nHost: bench\r\n\r\n")); err != nil {
		c.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(c, 512)
	status, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.1 200") {
		c.Close()
		return nil, fmt.Errorf("status %q: %v", status, err)
	}
	length := -1
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			c.Close()
			return nil, err
		}
		if line == "\r\n" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Content-Length") {
			length, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	body := make([]byte, max(length, 0))
	if _, err := io.ReadFull(br, body); err != nil || !bytes.Equal(body, []byte("Hello, World!")) {
		c.Close()
		return nil, fmt.Errorf("body %q: %v", body, err)
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

// dialWebSocket opens connection i (harness.DialFrom) and completes a
// WebSocket opening handshake on /ws without offering
// permessage-deflate. tc must be nil.
func dialWebSocket(addr string, i int, tc *tls.Config) (net.Conn, error) {
	if tc != nil {
		return nil, fmt.Errorf("-ws with -tls is not supported")
	}
	c, err := harness.DialFrom(addr, i)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(c, 512)
	if _, err := (harness.Handshake{Host: addr, Path: "/ws"}).Do(c, br); err != nil {
		c.Close()
		return nil, err
	}
	if br.Buffered() > 0 {
		c.Close()
		return nil, fmt.Errorf("%d unexpected bytes after the handshake", br.Buffered())
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

// rssAfterGC waits, at most 20 s, for the server's RSS to fall below
// what it was before SIGUSR1 and then hold still for a second (the GC
// runs, then the memory goes back to the OS at once), and returns it.
func rssAfterGC(pid, before int) int {
	last := harness.RSSKiB(pid)
	for range 40 {
		time.Sleep(500 * time.Millisecond)
		now := harness.RSSKiB(pid)
		if now < before && now == last {
			return now
		}
		last = now
	}
	return last
}
