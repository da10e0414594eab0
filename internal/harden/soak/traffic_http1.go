package soak

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
)

// maxOps bounds the operations of one client in one run; the run's
// deadline ends it first at any rate this package uses.
const maxOps = 1 << 24

// keepAlive alternates GET /small.txt and GET /health on one connection.
func keepAlive(ctx context.Context, t *traffic, rng *rand.Rand, tick func() bool) {
	c := &h1conn{addr: t.addr}
	defer c.close()
	small, health := get("/small.txt"), get("/health")
	for i := 0; i < maxOps && tick(); i++ {
		var err error
		if i%4 == 3 {
			var r resp
			r, err = c.do(health, "GET", false)
			if err == nil {
				err = expect(r, 200, -1)
			}
		} else {
			var r resp
			r, err = c.do(small, "GET", false)
			if err == nil {
				err = expect(r, 200, int64(files[0].size))
			}
		}
		t.record("keepalive", err)
	}
}

// newConn makes each request on a new connection: half ask the server to
// close it, half close it themselves once the response is in.
func newConn(ctx context.Context, t *traffic, rng *rand.Rand, tick func() bool) {
	closing := get("/medium.txt", "Connection: close")
	plain := get("/medium.txt")
	for i := 0; i < maxOps && tick(); i++ {
		c := &h1conn{addr: t.addr}
		req := plain
		if i%2 == 0 {
			req = closing
		}
		r, err := c.do(req, "GET", false)
		if err == nil {
			err = expect(r, 200, int64(files[1].size))
		}
		c.close()
		t.record("newconn", err)
	}
}

// static sends the conditional and range requests of a file cache's
// clients: whole files, single ranges, If-None-Match (304), If-Range with
// the current validator (206) and an unsatisfiable range (416).
func static(ctx context.Context, t *traffic, rng *rand.Rand, tick func() bool) {
	c := &h1conn{addr: t.addr}
	defer c.close()
	etags := make([]string, len(files))
	for i := 0; i < maxOps && tick(); i++ {
		fi := rng.IntN(len(files))
		f := files[fi]
		target := "/" + f.name
		var r resp
		var err error
		switch op := i % 5; {
		case op == 0 || etags[fi] == "":
			r, err = c.do(get(target), "GET", false)
			if err == nil {
				etags[fi] = r.etag
				err = expect(r, 200, int64(f.size))
			}
		case op == 1:
			a := rng.IntN(f.size)
			b := a + rng.IntN(f.size-a)
			r, err = c.do(get(target, fmt.Sprintf("Range: bytes=%d-%d", a, b)), "GET", false)
			if err == nil {
				err = expect(r, 206, int64(b-a+1))
			}
		case op == 2:
			r, err = c.do(get(target, "If-None-Match: "+etags[fi]), "GET", false)
			if err == nil {
				err = expect(r, 304, 0)
			}
		case op == 3:
			r, err = c.do(get(target, "Range: bytes=-100", "If-Range: "+etags[fi]), "GET", false)
			if err == nil {
				err = expect(r, 206, 100)
			}
		default:
			r, err = c.do(get(target, fmt.Sprintf("Range: bytes=%d-", f.size+10)), "GET", false)
			if err == nil {
				err = expect(r, 416, -1)
			}
		}
		t.record("static", err)
	}
}

// echoSizes are the body sizes POST /api/echo is sent, up to 64 KiB.
var echoSizes = []int{0, 1, 100, 1000, 4 << 10, 16 << 10, 64 << 10}

// echo posts bodies of varied size to /api/echo on one connection, half
// with Content-Length and half chunked (some with a trailer), and checks
// the body length the server reports.
func echo(ctx context.Context, t *traffic, rng *rand.Rand, tick func() bool) {
	c := &h1conn{addr: t.addr}
	defer c.close()
	for i := 0; i < maxOps && tick(); i++ {
		n := echoSizes[rng.IntN(len(echoSizes))]
		body := bytes.Repeat([]byte{'a' + byte(i%26)}, n)
		req := echoRequest(rng, body, i%2 == 1)
		r, err := c.do(req, "POST", true)
		if err == nil {
			err = expect(r, 200, -1)
		}
		if err == nil && !containsLength(r.body, n) {
			err = checkErr("echo body_length (want %d)", n)
		}
		t.record("echo", err)
	}
}

// echoRequest builds a POST /api/echo carrying body, chunked in random
// pieces when chunked is true.
func echoRequest(rng *rand.Rand, body []byte, chunked bool) []byte {
	var b bytes.Buffer
	b.WriteString("POST /api/echo HTTP/1.1\r\nHost: soak\r\nContent-Type: text/plain\r\n")
	if !chunked {
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
		b.Write(body)
		return b.Bytes()
	}
	b.WriteString("Transfer-Encoding: chunked\r\n\r\n")
	for len(body) > 0 {
		k := min(len(body), 1+rng.IntN(8<<10))
		fmt.Fprintf(&b, "%x\r\n", k)
		b.Write(body[:k])
		b.WriteString("\r\n")
		body = body[k:]
	}
	b.WriteString("0\r\n")
	if rng.IntN(2) == 0 {
		b.WriteString("X-Soak-Trailer: 1\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// record counts the outcome of one operation.
func (t *traffic) record(kind string, err error) {
	if err != nil {
		t.stats.fail(kind, err)
		return
	}
	t.stats.done(kind)
}

// bytesContains reports whether b holds s.
func bytesContains(b []byte, s string) bool { return bytes.Contains(b, []byte(s)) }
