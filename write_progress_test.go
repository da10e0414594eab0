package httpserver

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rawsock/httpserver/internal/testutil/syncbuf"
)

// The write timeout is a progress timeout: these tests run slow clients
// against each engine. The server's sockets get a small send buffer (see
// smallSendBuffer), so that they take a slow client's bytes in small steps,
// as over a real network; on loopback a socket buffers megabytes and takes
// new bytes only when a third of them has drained.
//
// They run in mode h1 only: they time the HTTP/1 socket write path
// (writeSocket, sendfile), which TLS and HTTP/2 do not use as such, and
// each downloads megabytes at a slow client's pace. The write timeouts of
// the other modes are TestWriteTimeout (every mode) and
// TestH2ResponseCutByDeadline.

// writeTestBody is the response body of these tests: 3 MiB, which the slow
// client below needs at least 2.9 s to read, whatever the load.
var writeTestBody = func() []byte {
	b := make([]byte, 3<<20)
	for i := range b {
		b[i] = byte(i*7 + i>>12)
	}
	return b
}()

// slowClientStep and slowClientPause make the slow client: it reads 16 KiB
// every 15 ms, at most 1.1 MB/s.
const (
	slowClientStep  = 16 << 10
	slowClientPause = 15 * time.Millisecond
)

func TestWriteTimeoutLetsSlowReaderFinish(t *testing.T) {
	file := filepath.Join(t.TempDir(), "body")
	if err := os.WriteFile(file, writeTestBody, 0o644); err != nil {
		t.Fatal(err)
	}
	// The timeout is long next to the gaps between the bytes the slow
	// client takes (tens of milliseconds), so that a loaded machine
	// stalling a goroutine does not cut the response; the old whole-
	// response deadline cut it after one timeout.
	const timeout = time.Second
	for _, tc := range []struct {
		name    string
		handler HandlerFunc
	}{
		{"write", func(w ResponseWriter, r *Request) {
			w.Header().Set("Content-Length", "3145728")
			for b := writeTestBody; len(b) > 0; b = b[32<<10:] {
				if _, err := w.Write(b[:32<<10]); err != nil {
					return
				}
			}
		}},
		{"chunked", func(w ResponseWriter, r *Request) {
			for b := writeTestBody; len(b) > 0; b = b[8<<10:] {
				if _, err := w.Write(b[:8<<10]); err != nil {
					return
				}
			}
		}},
		{"sendfile", func(w ResponseWriter, r *Request) {
			f, err := os.Open(file)
			if err != nil {
				Error(w, StatusInternalServerError)
				return
			}
			defer f.Close()
			NewResponseController(w).ReadFrom(f)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forEachEngineSmallBuffer(t, func(t *testing.T, start func(Handler, ...func(*Server)) *testServer) {
				t.Parallel()
				logs := &syncbuf.Buffer{}
				s := start(tc.handler, func(s *Server) {
					s.Timeouts.Write = timeout
					s.Logger = slog.New(slog.NewTextHandler(logs, nil))
				})
				began := time.Now()
				body, err := slowGet(t, s.addr)
				took := time.Since(began)
				if err != nil || !bytes.Equal(body, writeTestBody) {
					t.Fatalf("got %d of %d bytes (equal %v) after %v: %v", len(body), len(writeTestBody), bytes.Equal(body, writeTestBody), took, err)
				}
				if took < 2*timeout {
					t.Fatalf("the download took %v: not long enough to test a %v write timeout", took, timeout)
				}
				if strings.Contains(logs.String(), "aborted") {
					t.Fatalf("server log: %s", logs)
				}
			})
		})
	}
}

func TestWriteTimeoutCutsStalledReader(t *testing.T) {
	file := filepath.Join(t.TempDir(), "body")
	big := bytes.Repeat([]byte("x"), 64<<20)
	if err := os.WriteFile(file, big, 0o644); err != nil {
		t.Fatal(err)
	}
	const timeout = 300 * time.Millisecond
	for _, tc := range []struct {
		name string
		send func(w ResponseWriter, progress func()) error
	}{
		{"write", func(w ResponseWriter, progress func()) error {
			for b := big; len(b) > 0; b = b[64<<10:] {
				if _, err := w.Write(b[:64<<10]); err != nil {
					return err
				}
				progress()
			}
			return nil
		}},
		{"sendfile", func(w ResponseWriter, progress func()) error {
			f, err := os.Open(file)
			if err != nil {
				return err
			}
			defer f.Close()
			progress()
			_, err = NewResponseController(w).ReadFrom(f)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forEachEngineSmallBuffer(t, func(t *testing.T, start func(Handler, ...func(*Server)) *testServer) {
				t.Parallel()
				logs := &syncbuf.Buffer{}
				type result struct {
					err   error
					stall time.Duration
				}
				res := make(chan result, 1)
				s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
					var last time.Time
					err := tc.send(w, func() { last = time.Now() })
					res <- result{err, time.Since(last)}
				}), func(s *Server) {
					s.Timeouts.Write = timeout
					s.Logger = slog.New(slog.NewTextHandler(logs, nil))
				})
				c, _ := s.rawConn(t)
				c.(*net.TCPConn).SetReadBuffer(32 << 10)
				io.WriteString(c, "GET /file HTTP/1.1\r\nHost: h\r\n\r\n")
				var got result
				select {
				case got = <-res:
				case <-time.After(10 * time.Second):
					t.Fatal("the response to a client that reads nothing was not cut")
				}
				var ae *ResponseAbortedError
				if !errors.As(got.err, &ae) || !errors.Is(got.err, os.ErrDeadlineExceeded) {
					t.Fatalf("handler got %v, want a *ResponseAbortedError for a timeout", got.err)
				}
				if want := "write timeout: no progress for 300ms"; ae.Reason != want || ae.Status != 200 || ae.Sent <= 0 {
					t.Errorf("aborted: status %d, sent %d, reason %q; want 200, > 0, %q", ae.Status, ae.Sent, ae.Reason, want)
				}
				// Cut no sooner than the timeout after the last
				// progress the handler saw, and not much later than
				// twice that.
				if got.stall < timeout || got.stall > 2*timeout+3*time.Second {
					t.Errorf("cut %v after the last progress, want between %v and about %v", got.stall, timeout, 2*timeout)
				}
				log := logs.String()
				for _, want := range []string{"level=WARN", `msg="httpserver: response aborted"`, "status=200", `reason="write timeout: no progress for 300ms"`, "method=GET", "target=/file"} {
					if !strings.Contains(log, want) {
						t.Errorf("server log lacks %s:\n%s", want, log)
					}
				}
			})
		})
	}
}

func TestResponseTimeoutCapsSlowReader(t *testing.T) {
	forEachEngineSmallBuffer(t, func(t *testing.T, start func(Handler, ...func(*Server)) *testServer) {
		t.Parallel()
		res := make(chan error, 1)
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			w.Header().Set("Content-Length", "3145728")
			_, err := w.Write(writeTestBody)
			res <- err
		}), func(s *Server) {
			s.Timeouts.Write = 5 * time.Second
			s.Timeouts.Response = 600 * time.Millisecond
		})
		body, err := slowGet(t, s.addr)
		if err == nil || len(body) >= len(writeTestBody) {
			t.Fatalf("a response longer than the cap was sent whole (%d bytes, %v)", len(body), err)
		}
		var ae *ResponseAbortedError
		if err := <-res; !errors.As(err, &ae) || ae.Reason != "response timeout: not sent within 600ms" {
			t.Fatalf("handler got %v, want the response timeout", err)
		}
	})
}

func TestHandlerWriteDeadlineWins(t *testing.T) {
	forEachEngineSmallBuffer(t, func(t *testing.T, start func(Handler, ...func(*Server)) *testServer) {
		t.Parallel()
		res := make(chan error, 1)
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			NewResponseController(w).SetWriteDeadline(time.Now().Add(400 * time.Millisecond))
			var err error
			for i := 0; i < 1024 && err == nil; i++ { // up to 64 MiB
				_, err = w.Write(writeTestBody[:64<<10])
			}
			res <- err
		}), func(s *Server) { s.Timeouts.Write = 10 * time.Second })
		c, _ := s.rawConn(t)
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
		select {
		case err := <-res:
			var ae *ResponseAbortedError
			if !errors.As(err, &ae) || ae.Reason != "write deadline set by the handler passed" {
				t.Fatalf("handler got %v, want its own deadline to end the response", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the handler's write deadline was extended")
		}
	})
}

// A stream that pauses for longer than the write timeout between writes is
// not cut: the deadline set when the request arrived has long passed when
// the second write begins. Unlike the tests above it runs in every mode:
// it times nothing, and HTTP/2 has its own write timeout to get right.
func TestWriteTimeoutAllowsPausedStream(t *testing.T) {
	forEachMode(t, allModes, func(t *testing.T, m testMode, start modeStart) {
		t.Parallel()
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			for i := range 3 {
				if i > 0 {
					time.Sleep(250 * time.Millisecond)
				}
				w.WriteString("event\n")
				w.Flush()
			}
		}), func(s *Server) { s.Timeouts.Write = 200 * time.Millisecond })
		resp, err := s.client(t).Get(s.url("/"))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if b, err := io.ReadAll(resp.Body); err != nil || string(b) != strings.Repeat("event\n", 3) {
			t.Fatalf("stream: %q, %v", b, err)
		}
	})
}

// forEachEngineSmallBuffer is forEachEngine for servers whose connections
// have a 32 KiB send buffer.
func forEachEngineSmallBuffer(t *testing.T, fn func(t *testing.T, start func(Handler, ...func(*Server)) *testServer)) {
	for _, engine := range engines {
		t.Run(string(engine), func(t *testing.T) {
			fn(t, func(h Handler, configure ...func(*Server)) *testServer {
				return startSmallBufferServer(t, engine, h, configure...)
			})
		})
	}
}

// startSmallBufferServer is startServer with a listener that gives the
// connections it accepts a 32 KiB send buffer.
func startSmallBufferServer(t *testing.T, engine Engine, h Handler, configure ...func(*Server)) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Handler: h, Engine: engine, Logger: slog.New(slog.DiscardHandler)}
	for _, f := range configure {
		f(s)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(smallSendBufferListener{ln}) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; err != ErrServerClosed {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return &testServer{Server: s, addr: ln.Addr().String()}
}

// smallSendBufferListener gives the connections it accepts a 32 KiB send
// buffer.
type smallSendBufferListener struct{ net.Listener }

func (l smallSendBufferListener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetWriteBuffer(32 << 10)
	}
	return nc, err
}

// slowGet requests / over a new connection and reads the response as the
// slow client, returning the body read and the error that ended it.
func slowGet(t *testing.T, addr string) ([]byte, error) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.(*net.TCPConn).SetReadBuffer(32 << 10)
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(&slowClientReader{r: c}, slowClientStep), nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// slowClientReader reads at most slowClientStep bytes at a time, pausing
// slowClientPause before each read.
type slowClientReader struct{ r io.Reader }

func (s *slowClientReader) Read(p []byte) (int, error) {
	time.Sleep(slowClientPause)
	return s.r.Read(p[:min(len(p), slowClientStep)])
}

func TestAbortReason(t *testing.T) {
	timeout := &net.OpError{Op: "write", Net: "tcp", Err: os.ErrDeadlineExceeded}
	for _, tc := range []struct {
		name     string
		err      error
		own, cap bool
		want     string
	}{
		{"progress", timeout, false, false, "write timeout: no progress for 2s"},
		{"cap", timeout, false, true, "response timeout: not sent within 1m0s"},
		{"handler deadline", timeout, true, true, "write deadline set by the handler passed"},
		{"reset", &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", syscall.ECONNRESET)}, false, false, "connection reset by the client"},
		{"broken pipe", &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", syscall.EPIPE)}, false, false, "connection closed by the client"},
		{"closed", &net.OpError{Op: "write", Net: "tcp", Err: net.ErrClosed}, false, false, "connection closed by the server"},
		{"other", errors.New("boom"), false, false, "boom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Server{Timeouts: Timeouts{Write: 2 * time.Second, Response: time.Minute}, Logger: slog.New(slog.DiscardHandler)}
			s.init()
			c := newConn(s, newMemConn(nil))
			c.wclock.own.Store(tc.own)
			if tc.cap {
				c.wclock.cap = time.Now().Add(-time.Second)
			}
			if got := c.abortReason(tc.err); got != tc.want {
				t.Errorf("abortReason(%v) = %q, want %q", tc.err, got, tc.want)
			}
		})
	}
}

// TestTLSWriteTimeoutCutsCleanly: a TLS client that stops reading makes
// the server's write time out in the middle of a record; the connection
// must then end as a cut (the client reads what arrived, then an
// unexpected end), not with a close_notify alert sealed after the broken
// record, which the client reads as "bad record MAC", on every engine.
func TestTLSWriteTimeoutCutsCleanly(t *testing.T) {
	big := make([]byte, 8<<20)
	forEachMode(t, []testMode{modeH1TLS}, func(t *testing.T, m testMode, start modeStart) {
		t.Parallel()
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) { w.Write(big) }),
			func(s *Server) { s.Timeouts.Write = 200 * time.Millisecond })
		c := s.dialWith(t, smallReceiveBuffer())
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
		time.Sleep(800 * time.Millisecond) // the server's write times out and it closes
		n, err := io.Copy(io.Discard, c)
		// The end is io.EOF (the cut fell between records: crypto/tls
		// does not insist on close_notify) or an unexpected EOF.
		if err != nil && strings.Contains(err.Error(), "bad record MAC") || n >= int64(len(big)) {
			t.Fatalf("read %d bytes, then %v; want a cut without a bad MAC", n, err)
		}
	})
}
