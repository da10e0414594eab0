package httpserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestShutdownCompletesPipelinedResponses: clients that pipeline (send the
// next request as soon as a response's head arrives) and read through a
// small receive window must get every response whole when Shutdown comes,
// on every engine: a request may go unanswered (the connection then ends
// cleanly), but no response may be cut, and no connection reset. Closing
// a socket with a request unread, or one still on the wire, makes Linux
// answer with a reset that destroys what the client has not read yet.
// Mode h1 only: 16 clients in three rounds per engine is the heaviest
// socket test of the package; the close it checks is TCP's, and
// TestCloseWithRequestOnTheWire and
// TestShutdownIdleCloseWithRequestOnTheWire check it over TLS too.
func TestShutdownCompletesPipelinedResponses(t *testing.T) {
	const (
		clients   = 16
		bodyBytes = 64 << 10
		rounds    = 3
	)
	body := strings.Repeat("x", bodyBytes)
	echo := HandlerFunc(func(w ResponseWriter, r *Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		w.Write(b)
	})
	forEachEngine(t, func(t *testing.T, start func(Handler, ...func(*Server)) *testServer) {
		for round := range rounds {
			s := start(echo)
			var complete, cut, resets atomic.Int64
			var example atomic.Value
			var wg sync.WaitGroup
			for range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n, err := pipelineUntilClosed(s.addr, body)
					complete.Add(int64(n))
					if err != nil {
						if errors.Is(err, syscall.ECONNRESET) {
							resets.Add(1)
						} else {
							cut.Add(1)
						}
						example.CompareAndSwap(nil, err.Error())
					}
				}()
			}
			time.Sleep(200 * time.Millisecond)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := s.Shutdown(ctx); err != nil {
				t.Errorf("Shutdown: %v", err)
			}
			cancel()
			wg.Wait()
			t.Logf("round %d: %d complete responses, %d cut, %d reset", round, complete.Load(), cut.Load(), resets.Load())
			if cut.Load()+resets.Load() > 0 {
				t.Fatalf("round %d: %d responses cut, %d connections reset; e.g. %v", round, cut.Load(), resets.Load(), example.Load())
			}
		}
	})
}

// pipelineUntilClosed posts body over one connection with a 4 KiB
// receive buffer, sending each next request once the previous response's
// head arrived, until a response announces the close or the server ends
// the connection between responses. It returns how many complete
// responses it read, and an error if a response was cut or the
// connection reset.
func pipelineUntilClosed(addr, body string) (int, error) {
	d := net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return nil
	}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(15 * time.Second))
	req := "POST /api/echo HTTP/1.1\r\nHost: h\r\nContent-Length: " + fmt.Sprint(len(body)) + "\r\n\r\n" + body
	sends := make(chan struct{}, 2)
	writerDone := make(chan struct{})
	go func() { // writes run apart from reads: both may block on full buffers
		defer close(writerDone)
		for range sends {
			if _, err := io.WriteString(c, req); err != nil {
				return
			}
		}
	}()
	defer func() { close(sends); <-writerDone }()
	sends <- struct{}{}
	br := bufio.NewReaderSize(c, 4096)
	for n := 0; ; n++ {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			if errors.Is(err, io.EOF) && n > 0 {
				return n, nil // closed between responses: the request was never started
			}
			return n, fmt.Errorf("response %d head: %w", n+1, err)
		}
		if !resp.Close {
			sends <- struct{}{}
		}
		got, err := io.Copy(io.Discard, resp.Body)
		if err != nil || got != int64(len(body)) {
			return n, fmt.Errorf("response %d cut at %d of %d bytes: %w", n+1, got, len(body), err)
		}
		if resp.Close {
			return n + 1, nil
		}
	}
}

// TestCloseWithRequestOnTheWire: when the server closes after a response
// (the handler said "Connection: close", or the request was bad) and the
// client's next request is still on the wire, not yet in the server's
// socket, the client must still read the whole response and then the
// end of the connection, not a reset: the server half-closes and reads on
// until the client closes or a bound passes (RFC 9112 §9.6), on every
// engine, over TCP and TLS (HTTP/1.1 framing: HTTP/2 ends a connection
// with GOAWAY, TestH2ShutdownGoAway).
func TestCloseWithRequestOnTheWire(t *testing.T) {
	big := strings.Repeat("y", 32<<10)
	tests := []struct {
		name, first string
		status      int
		bodyLen     int
	}{
		{"handler closes", "GET /close HTTP/1.1\r\nHost: h\r\n\r\n", 200, len(big)},
		{"bad request", "GET /bad HTTP/1.1\r\nHost: h\r\nBad Field: x\r\n\r\n", 400, -1},
	}
	forEachMode(t, h1Modes, func(t *testing.T, m testMode, start modeStart) {
		t.Parallel()
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			w.Header().Set("Connection", "close")
			w.WriteString(big)
		}))
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				for i := range 10 {
					c := s.dialWith(t, smallReceiveBuffer())
					io.WriteString(c, tt.first)
					br := bufio.NewReaderSize(c, 1024)
					if _, err := br.Peek(1); err != nil { // the response has begun
						t.Fatal(err)
					}
					// The server has queued its whole answer and closes
					// meanwhile; then a pipelined request arrives.
					time.Sleep(50 * time.Millisecond)
					io.WriteString(c, "GET /next HTTP/1.1\r\nHost: h\r\n\r\n")
					time.Sleep(20 * time.Millisecond)
					resp, err := http.ReadResponse(br, nil)
					if err != nil {
						c.Close()
						t.Fatalf("attempt %d: response head: %v", i, err)
					}
					got, err := io.Copy(io.Discard, resp.Body)
					c.Close()
					if err != nil || resp.StatusCode != tt.status || tt.bodyLen >= 0 && got != int64(tt.bodyLen) {
						t.Fatalf("attempt %d: %d with %d body bytes, %v; want %d whole", i, resp.StatusCode, got, err, tt.status)
					}
				}
			})
		}
	})
}

// TestShutdownIdleCloseWithRequestOnTheWire: a keep-alive connection whose
// client has not read all of the last response yet is closed as idle after
// Shutdown's grace; a request the client sends just after must not make
// the server's kernel reset the connection and destroy the unread rest of
// the response: the server half-closes and reads on (RFC 9112 §9.6), on
// every engine, over TCP and TLS (HTTP/1.1 only: on HTTP/2 an idle
// connection gets a GOAWAY, TestGracefulShutdown).
func TestShutdownIdleCloseWithRequestOnTheWire(t *testing.T) {
	big := strings.Repeat("z", 32<<10)
	forEachMode(t, h1Modes, func(t *testing.T, m testMode, start modeStart) {
		t.Parallel()
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) { w.WriteString(big) }))
		c := s.dialWith(t, smallReceiveBuffer())
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
		br := bufio.NewReaderSize(c, 1024)
		if _, err := br.Peek(1); err != nil {
			t.Fatal(err)
		}
		awaitConns(t, s.Server, 1)
		done := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			done <- s.Shutdown(ctx)
		}()
		// Past the grace the server closes the connection as idle; then
		// the client, which has read only the start of the response,
		// sends its next request. (Should the request arrive first, on
		// a loaded machine, it is answered with "Connection: close".)
		time.Sleep(shutdownIdleGrace + 100*time.Millisecond)
		io.WriteString(c, "GET /next HTTP/1.1\r\nHost: h\r\n\r\n")
		time.Sleep(20 * time.Millisecond)
		for i := 0; ; i++ {
			if _, err := br.Peek(1); err == io.EOF && i > 0 {
				break // the end of the connection, after whole responses
			}
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("response %d head: %v", i+1, err)
			}
			got, err := io.Copy(io.Discard, resp.Body)
			if err != nil || got != int64(len(big)) {
				t.Fatalf("response %d cut at %d of %d bytes: %v", i+1, got, len(big), err)
			}
			if i > 0 && !resp.Close {
				t.Fatalf("response %d during Shutdown did not announce the close", i+1)
			}
		}
		c.Close()
		if err := <-done; err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
}

// smallReceiveBuffer is a dialer whose connections have a 4 KiB receive
// buffer, so that a response waits in the server's socket.
func smallReceiveBuffer() *net.Dialer {
	return &net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return nil
	}}
}

// TestLingeringCloseWaitsForSlowReader: a client that reads slowly through
// a small window is still receiving a response when the first linger
// bound passes, and then sends a pipelined request. The server must still
// be lingering (its send queue is not empty), discard the request and let
// the whole response arrive, on every engine, over TCP and TLS: a closed socket would answer
// the request with a reset that destroys the unsent rest.
func TestLingeringCloseWaitsForSlowReader(t *testing.T) {
	big := strings.Repeat("w", 32<<10)
	forEachMode(t, h1Modes, func(t *testing.T, m testMode, start modeStart) {
		t.Parallel()
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			w.Header().Set("Connection", "close")
			w.WriteString(big)
		}))
		for i := range 2 {
			c := s.dialWith(t, smallReceiveBuffer())
			io.WriteString(c, "GET /close HTTP/1.1\r\nHost: h\r\n\r\n")
			br := bufio.NewReaderSize(c, 1024)
			if _, err := br.Peek(1); err != nil { // the response has begun
				t.Fatal(err)
			}
			time.Sleep(lingerTimeout + 300*time.Millisecond) // the first bound passes
			io.WriteString(c, "GET /next HTTP/1.1\r\nHost: h\r\n\r\n")
			time.Sleep(50 * time.Millisecond)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				c.Close()
				t.Fatalf("attempt %d: response head: %v", i, err)
			}
			got, err := io.Copy(io.Discard, resp.Body)
			c.Close()
			if err != nil || got != int64(len(big)) {
				t.Fatalf("attempt %d: %d of %d body bytes, %v", i, got, len(big), err)
			}
		}
	})
}
