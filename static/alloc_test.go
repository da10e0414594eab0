//go:build !race

package static

import (
	"bytes"
	"io"
	"net"
	"strconv"
	"testing"
	"time"
)

// TestCacheHitZeroAlloc pins a cache hit of a small file, through the
// handler on a real server, at zero allocations per request, server and
// client together (testing.AllocsPerRun counts the whole process).
func TestCacheHitZeroAlloc(t *testing.T) {
	tests := []struct {
		name, req string
		status    int
	}{
		{"GET", "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", 200},
		{"HEAD", "HEAD /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", 200},
		{"index", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 200},
		{"sibling", "GET /app.js HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip, br\r\n\r\n", 200},
		{"not modified", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: *\r\n\r\n", 304},
	}
	addr := startServer(t, newDir(t, &Options{CacheControl: "public, max-age=60"}))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := dialKeepAlive(t, addr, tt.req, tt.status)
			allocs := testing.AllocsPerRun(500, func() { k.roundTrip(t) })
			if allocs != 0 {
				t.Fatalf("%v allocations per request, want 0", allocs)
			}
		})
	}
}

// keepAliveClient repeats one request on one connection and reads
// responses of a known size, without allocating.
type keepAliveClient struct {
	c        net.Conn
	req      []byte
	buf      []byte
	respSize int
}

// dialKeepAlive connects and learns the response size from a first
// exchange, which must answer status with a Content-Length.
func dialKeepAlive(t *testing.T, addr, req string, status int) *keepAliveClient {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(30 * time.Second))
	k := &keepAliveClient{c: c, req: []byte(req), buf: make([]byte, 64<<10)}
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
		if got := string(k.buf[9:12]); got != strconv.Itoa(status) {
			t.Fatalf("status %s, want %d: %q", got, status, k.buf[:n])
		}
		length := 0
		if cl := bytes.Index(k.buf[:head], []byte("Content-Length: ")); cl >= 0 && status != 304 && req[0] != 'H' {
			end := bytes.IndexByte(k.buf[cl:], '\r') + cl
			length, _ = strconv.Atoi(string(k.buf[cl+len("Content-Length: ") : end]))
		}
		k.respSize = head + 4 + length
		if n >= k.respSize {
			return k
		}
	}
	t.Fatal("response does not fit the buffer")
	return nil
}

// roundTrip sends the request and reads one response.
func (k *keepAliveClient) roundTrip(t *testing.T) {
	if _, err := k.c.Write(k.req); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(k.c, k.buf[:k.respSize]); err != nil {
		t.Fatal(err)
	}
}
