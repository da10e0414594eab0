//go:build !race

package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestDefaultPipelineZeroAlloc pins the binary as shipped (its default
// middleware: request IDs, the JSON access log, metrics, recovery, the
// compression check) at zero allocations per request on every engine,
// serving a small file from --root over a keep-alive connection; the
// whole process is counted (testing.AllocsPerRun), the access log's
// writer and the raw client included.
func TestDefaultPipelineZeroAlloc(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "plaintext"), []byte("Hello, World!"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte("<p>hello</p>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, engine := range []string{"goroutine", "pool", "epoll"} {
		t.Run(engine, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			log := newLogSink()
			done := make(chan int, 1)
			go func() {
				done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--engine", engine, "--root", dir}, env(nil), io.Discard, log)
			}()
			t.Cleanup(func() { cancel(); <-done })
			addr := awaitAddr(t, log.addr, log)
			for _, path := range []string{"/plaintext", "/"} {
				k := dialBinary(t, addr, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n")
				k.roundTrip(t) // the file is cached, the metrics' route known
				if allocs := testing.AllocsPerRun(500, func() { k.roundTrip(t) }); allocs != 0 {
					t.Errorf("GET %s: %v allocations per request, want 0", path, allocs)
				}
			}
		})
	}
}

// binaryClient repeats one request on one connection and reads answers
// of the size the first one had, without allocating.
type binaryClient struct {
	c        net.Conn
	req, buf []byte
	respSize int
}

// dialBinary connects and learns the response size from a first 200
// answer with a Content-Length.
func dialBinary(t *testing.T, addr, req string) *binaryClient {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(wait))
	k := &binaryClient{c: c, req: []byte(req), buf: make([]byte, 64<<10)}
	if _, err := c.Write(k.req); err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(k.buf); {
		m, err := c.Read(k.buf[n:])
		if err != nil {
			t.Fatal(err)
		}
		n += m
		head := bytes.Index(k.buf[:n], []byte("\r\n\r\n"))
		if head < 0 {
			continue
		}
		if !bytes.HasPrefix(k.buf, []byte("HTTP/1.1 200 ")) {
			t.Fatalf("not a 200 answer: %q", k.buf[:n])
		}
		cl := bytes.Index(k.buf[:head], []byte("Content-Length: "))
		if cl < 0 {
			t.Fatalf("no Content-Length: %q", k.buf[:head])
		}
		end := bytes.IndexByte(k.buf[cl:], '\r') + cl
		length, _ := strconv.Atoi(string(k.buf[cl+len("Content-Length: ") : end]))
		k.respSize = head + 4 + length
		if n >= k.respSize {
			return k
		}
	}
	t.Fatal("response does not fit the buffer")
	return nil
}

// roundTrip sends the request and reads one answer.
func (k *binaryClient) roundTrip(t *testing.T) {
	if _, err := k.c.Write(k.req); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(k.c, k.buf[:k.respSize]); err != nil {
		t.Fatal(err)
	}
}
