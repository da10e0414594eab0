package soak

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"time"
)

// slowTimeout bounds one slow exchange: the trickle itself takes 1-3 s.
const slowTimeout = 30 * time.Second

// trickle writes b to nc in pieces of n bytes, the i-th at i*gap from the
// start: on a busy machine a late wake-up shortens the next wait instead
// of stretching the whole trickle (sleeps of 10-30 ms each could add up to
// more than the server's header timeout).
func trickle(ctx context.Context, nc net.Conn, b []byte, n int, gap time.Duration) error {
	start := time.Now()
	for i := 0; len(b) > 0; i++ {
		if d := time.Until(start.Add(time.Duration(i) * gap)); d > 0 && !sleepCtx(ctx, d) {
			return context.Cause(ctx)
		}
		k := min(n, len(b))
		if _, err := nc.Write(b[:k]); err != nil {
			return err
		}
		b = b[k:]
	}
	return nil
}

// slowHead sends its request head one byte at a time over 1-3 seconds, on
// a new connection, and reads the response.
func slowHead(ctx context.Context, t *traffic, rng *rand.Rand, tick func() bool) {
	head := get("/small.txt", "User-Agent: soak-slow-head", "Accept: */*", "Connection: close")
	for i := 0; i < maxOps && tick(); i++ {
		gap := time.Duration(1+rng.IntN(3)) * time.Second / time.Duration(len(head))
		var took time.Duration
		err := slowExchange(ctx, t.addr, func(nc net.Conn) error {
			start := time.Now()
			err := trickle(ctx, nc, head, 1, gap)
			took = time.Since(start)
			return err
		}, func(br *bufio.Reader) error {
			r, err := readResp(br, "GET", false)
			if err == nil {
				err = expect(r, 200, int64(files[0].size))
			}
			if err != nil {
				err = fmt.Errorf("%w (the head took %v)", err, took.Round(time.Millisecond))
			}
			return err
		})
		if ctx.Err() != nil {
			return // cut by the run's end, not a failure
		}
		t.record("slowhead", err)
	}
}

// slowBody posts a 1-4 KiB body to /api/echo in 64-byte pieces over 1-3
// seconds.
func slowBody(ctx context.Context, t *traffic, rng *rand.Rand, tick func() bool) {
	for i := 0; i < maxOps && tick(); i++ {
		n := 1<<10 + rng.IntN(3<<10)
		head := fmt.Sprintf("POST /api/echo HTTP/1.1\r\nHost: soak\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", n)
		body := make([]byte, n)
		for j := range body {
			body[j] = 'x'
		}
		pieces := (n + 63) / 64
		gap := time.Duration(1+rng.IntN(3)) * time.Second / time.Duration(pieces)
		err := slowExchange(ctx, t.addr, func(nc net.Conn) error {
			if _, err := io.WriteString(nc, head); err != nil {
				return err
			}
			return trickle(ctx, nc, body, 64, gap)
		}, func(br *bufio.Reader) error {
			r, err := readResp(br, "POST", true)
			if err == nil {
				err = expect(r, 200, -1)
			}
			if err == nil && !containsLength(r.body, n) {
				err = checkErr("echo body_length (want %d)", n)
			}
			return err
		})
		if ctx.Err() != nil {
			return
		}
		t.record("slowbody", err)
	}
}

// slowRead fetches the big file through a small receive buffer, reading
// 4 KiB every 20 ms (about 200 KB/s), so that the server's writes wait on
// a full socket.
func slowRead(ctx context.Context, t *traffic, rng *rand.Rand, tick func() bool) {
	for i := 0; i < maxOps && tick(); i++ {
		err := slowExchange(ctx, t.addr, func(nc net.Conn) error {
			if tc, ok := nc.(*net.TCPConn); ok {
				tc.SetReadBuffer(4 << 10)
			}
			_, err := nc.Write(get("/big.bin", "Connection: close"))
			return err
		}, func(br *bufio.Reader) error {
			r, err := readResp(br, "GET", false)
			if err == nil {
				err = expect(r, 200, int64(files[2].size))
			}
			return err
		}, slowReader(ctx))
		if ctx.Err() != nil {
			return
		}
		t.record("slowread", err)
	}
}

// slowReader wraps a connection's reads to 4 KiB every 20 ms.
func slowReader(ctx context.Context) func(io.Reader) io.Reader {
	return func(r io.Reader) io.Reader {
		return readerFunc(func(p []byte) (int, error) {
			if !sleepCtx(ctx, 20*time.Millisecond) {
				return 0, context.Cause(ctx)
			}
			return r.Read(p[:min(len(p), 4<<10)])
		})
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// slowExchange dials, sends with send and reads with recv on a new
// connection, within slowTimeout; wrap, when given, wraps the reads.
func slowExchange(ctx context.Context, addr string, send func(net.Conn) error, recv func(*bufio.Reader) error, wrap ...func(io.Reader) io.Reader) error {
	nc, err := net.DialTimeout("tcp", addr, opTimeout)
	if err != nil {
		return err
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(slowTimeout))
	if err := send(nc); err != nil {
		return err
	}
	var r io.Reader = nc
	for _, w := range wrap {
		r = w(r)
	}
	return recv(bufio.NewReaderSize(r, 4<<10))
}

// containsLength reports whether an /api/echo answer reports n body bytes.
func containsLength(body []byte, n int) bool {
	return bytesContains(body, `"body_length":`+strconv.Itoa(n)+`,`)
}
