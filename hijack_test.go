package httpserver

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// TestHijackedConcurrentWritesStayWhole: on every engine, two goroutines
// writing to one hijacked connection each get their bytes out in one
// piece (net.Conn serialises whole Writes), however the socket drains.
// Mode h1 only: over TLS crypto/tls serialises whole Writes itself, and
// HTTP/2 has no Hijack; 16 MiB over TLS on three engines would only add
// time.
func TestHijackedConcurrentWritesStayWhole(t *testing.T) {
	const size = 8 << 20
	forEachMode(t, []testMode{modeH1}, func(t *testing.T, m testMode, start modeStart) {
		got := make(chan net.Conn, 1)
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			nc, _, err := NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			got <- nc
		}))
		c, br := s.rawConn(t)
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
		nc := <-got
		defer nc.Close()
		nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
		errs := make(chan error, 2)
		for _, b := range []byte{'a', 'b'} {
			go func() {
				_, err := nc.Write(bytes.Repeat([]byte{b}, size))
				errs <- err
			}()
		}
		out := make([]byte, 2*size)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.ReadFull(br, out); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		switches := 0
		for i := 1; i < len(out); i++ {
			if out[i] != out[i-1] {
				switches++
			}
		}
		if switches != 1 {
			t.Fatalf("the two writes were interleaved: %d switches between them", switches)
		}
	})
}

// TestHijackWhileClientWatchRuns: a handler that asked for its context
// (the watch reads one byte once the body is consumed) hijacks while
// bytes the client sent after the request arrive; whether the watch took
// the first of them or not, the hijacked reader gets them all, in order.
// HTTP/1.1 modes only: HTTP/2 has no Hijack.
func TestHijackWhileClientWatchRuns(t *testing.T) {
	forEachMode(t, h1Modes, func(t *testing.T, m testMode, start modeStart) {
		sent := make(chan struct{})
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			ctx := r.Context()
			io.Copy(io.Discard, r.Body) // the watch starts here
			<-sent
			nc, brw, err := NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			defer nc.Close()
			nc.SetDeadline(time.Now().Add(5 * time.Second))
			line, err := brw.ReadString('\n')
			if err != nil || line != "ping\n" || ctx.Err() != nil {
				t.Errorf("hijacked read %q, %v; context %v", line, err, ctx.Err())
				return
			}
			brw.WriteString("pong\n")
			brw.Flush()
		}))
		for i := range 20 {
			c, br := s.rawConn(t)
			io.WriteString(c, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi")
			// Let the watch's read start on some rounds and not on others.
			if i%2 == 1 {
				time.Sleep(time.Millisecond)
			}
			io.WriteString(c, "ping\n")
			sent <- struct{}{}
			line, err := br.ReadString('\n')
			if err != nil || line != "pong\n" {
				t.Fatalf("round %d: %q, %v", i, line, err)
			}
			c.Close()
		}
	})
}
