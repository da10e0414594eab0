package httpserver

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// deadlineCounter counts the deadline changes of the connections a
// listener accepts.
type deadlineCounter struct {
	net.Listener
	reads, writes atomic.Int64
}

func (l *deadlineCounter) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &deadlineCountingConn{Conn: c, l: l}, nil
}

type deadlineCountingConn struct {
	net.Conn
	l *deadlineCounter
}

func (c *deadlineCountingConn) SetReadDeadline(t time.Time) error {
	c.l.reads.Add(1)
	return c.Conn.SetReadDeadline(t)
}

func (c *deadlineCountingConn) SetWriteDeadline(t time.Time) error {
	c.l.writes.Add(1)
	return c.Conn.SetWriteDeadline(t)
}

// TestDeadlinesSetOnlyWhenNeeded pins that keep-alive requests whose head
// and body arrive whole do not change the socket's deadlines per request
// (each change is a timer update): the idle and write deadlines are
// refreshed at most every deadlineSlack, the header and body ones are not
// set at all. It used to be three read and one write deadline per request.
// (A wrapping listener cannot reach the epoll engine, which needs the
// socket's descriptor; the logic is the same conn code.)
func TestDeadlinesSetOnlyWhenNeeded(t *testing.T) {
	for _, engine := range []Engine{EngineGoroutine, EnginePool} {
		t.Run(string(engine), func(t *testing.T) {
			inner, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ln := &deadlineCounter{Listener: inner}
			s := &Server{Engine: engine, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
				Handler: HandlerFunc(func(w ResponseWriter, r *Request) { w.WriteString("ok") })}
			done := make(chan error, 1)
			go func() { done <- s.Serve(ln) }()
			defer func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				s.Shutdown(ctx)
				<-done
			}()
			c, err := net.Dial("tcp", inner.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			br := bufio.NewReader(c)
			const n = 200
			began := time.Now()
			for i := 0; i < n; i++ {
				if _, err := io.WriteString(c, "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"); err != nil {
					t.Fatal(err)
				}
				if err := readOK(br); err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
			}
			// One refresh per deadlineSlack at most, plus the first wait
			// (ReadHeader) and the switch to Idle.
			limit := int64(time.Since(began)/deadlineSlack) + 3
			if r, w := ln.reads.Load(), ln.writes.Load(); r > limit || w > limit {
				t.Errorf("%d requests changed the read deadline %d times and the write deadline %d times; want at most %d each", n, r, w, limit)
			}
		})
	}
}

// readOK reads one "200 OK" response with a 2-byte body.
func readOK(br *bufio.Reader) error {
	status, err := br.ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(status, "HTTP/1.1 200") {
		return errors.New("status " + status)
	}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		if line == "\r\n" {
			break
		}
	}
	_, err = io.ReadFull(br, make([]byte, 2))
	return err
}

// TestLazyReadDeadlines pins what the lazily set read deadlines still
// enforce, on every engine: a head that stalls gets 408 after ReadHeader,
// a body that stalls fails after Read (counted from the request's first
// byte), and a handler's own read deadline wins over the server's. Mode
// h1 only: the lazy deadlines are the HTTP/1 connection's socket
// deadlines, which TLS and HTTP/2 do not change; the timeouts themselves
// run in every mode (TestHeaderTimeout, TestBodyReadTimeout).
func TestLazyReadDeadlines(t *testing.T) {
	forEachEngine(t, func(t *testing.T, start func(Handler, ...func(*Server)) *testServer) {
		bodyErr := make(chan error, 1)
		h := HandlerFunc(func(w ResponseWriter, r *Request) {
			if r.Path == "/own" {
				NewResponseController(w).SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			}
			began := time.Now()
			_, err := io.ReadAll(r.Body)
			if err != nil {
				err = errors.Join(err, errors.New("after "+time.Since(began).Round(50*time.Millisecond).String()))
			}
			bodyErr <- err
		})
		s := start(h, func(s *Server) {
			s.Timeouts = Timeouts{ReadHeader: 300 * time.Millisecond, Read: 2 * time.Second}
		})
		dial := func(t *testing.T) (net.Conn, *bufio.Reader) {
			c, err := net.Dial("tcp", s.addr)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			c.SetDeadline(time.Now().Add(10 * time.Second))
			return c, bufio.NewReader(c)
		}

		t.Run("head", func(t *testing.T) {
			c, br := dial(t)
			began := time.Now()
			io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n")
			status, err := br.ReadString('\n')
			if err != nil || !strings.HasPrefix(status, "HTTP/1.1 408") {
				t.Fatalf("got %q, %v; want 408", status, err)
			}
			if d := time.Since(began); d < 250*time.Millisecond || d > 1500*time.Millisecond {
				t.Errorf("408 after %v, want about 300ms", d)
			}
		})
		for _, tc := range []struct {
			path     string
			min, max time.Duration
		}{
			{"/server", 1500 * time.Millisecond, 4 * time.Second},
			{"/own", 50 * time.Millisecond, 1 * time.Second},
		} {
			t.Run(tc.path, func(t *testing.T) {
				c, _ := dial(t)
				began := time.Now()
				io.WriteString(c, "POST "+tc.path+" HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc")
				select {
				case err := <-bodyErr:
					d := time.Since(began)
					if !errors.Is(err, os.ErrDeadlineExceeded) && !strings.Contains(err.Error(), "timeout") {
						t.Errorf("body read error %v, want a timeout", err)
					}
					if d < tc.min || d > tc.max {
						t.Errorf("body read failed after %v, want between %v and %v", d, tc.min, tc.max)
					}
				case <-time.After(8 * time.Second):
					t.Fatal("the body read never timed out")
				}
			})
		}
	})
}
