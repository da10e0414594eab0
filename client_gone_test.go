package httpserver

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestContextCancelledWhenClientLeaves: a handler's context is cancelled
// when its client goes away: it closes the connection (HTTP/1.1) or
// resets the stream (HTTP/2: net/http's client cancels a request so).
func TestContextCancelledWhenClientLeaves(t *testing.T) {
	forEachMode(t, allModes, func(t *testing.T, m testMode, start modeStart) {
		t.Parallel()
		cancelled := make(chan bool, 1)
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			io.ReadAll(r.Body)
			select {
			case <-r.Context().Done():
				cancelled <- true
			case <-time.After(5 * time.Second):
				cancelled <- false
			}
		}))
		if m.isH2() {
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				time.Sleep(50 * time.Millisecond)
				cancel()
			}()
			req, _ := http.NewRequestWithContext(ctx, "POST", s.url("/"), strings.NewReader("hi"))
			if resp, err := s.client(t).Do(req); err == nil {
				resp.Body.Close()
			}
		} else {
			c, _ := s.rawConn(t)
			io.WriteString(c, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi")
			time.Sleep(50 * time.Millisecond)
			c.Close()
		}
		if !<-cancelled {
			t.Fatal("context not cancelled after the client closed")
		}
	})
}

// TestWatchKeepsPipelinedBytes: the read that watches for the client
// leaving keeps a pipelined request it reads. HTTP/1.1 modes only
// (pipelining; HTTP/2 reads every frame on its own goroutine).
func TestWatchKeepsPipelinedBytes(t *testing.T) {
	forEachMode(t, h1Modes, func(t *testing.T, m testMode, start modeStart) {
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			if r.Path == "/slow" {
				ctx := r.Context()
				select {
				case <-ctx.Done():
					t.Error("context cancelled while the client is still there")
				case <-time.After(100 * time.Millisecond):
				}
			}
			w.WriteString(r.Path)
		}))
		c, br := s.rawConn(t)
		io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: h\r\n\r\n")
		time.Sleep(30 * time.Millisecond) // the handler is waiting, the watch is reading
		io.WriteString(c, "GET /next HTTP/1.1\r\nHost: h\r\n\r\n")
		if _, body := roundTrip(t, c, br, "", "GET"); body != "/slow" {
			t.Fatalf("first body %q", body)
		}
		if _, body := roundTrip(t, c, br, "", "GET"); body != "/next" {
			t.Fatalf("second body %q", body)
		}
	})
}

// TestClientWatchStopsEveryTime: a handler that asks for its context gets
// the background client watch, which the server stops after each exchange
// by moving the read deadline into the past. On the epoll engine that
// deadline once raced with the watch's read registering as a waiter and
// could be lost (about one exchange in 200 under -race), leaving the
// connection stuck; each of these exchanges must finish promptly.
//
// HTTP/1.1 modes only: the watch is the HTTP/1 connection's.
func TestClientWatchStopsEveryTime(t *testing.T) {
	forEachMode(t, h1Modes, func(t *testing.T, m testMode, start modeStart) {
		t.Parallel()
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			r.Context()
			io.Copy(io.Discard, r.Body) // the watch starts when the body is consumed
			w.WriteString("ok")
		}))
		c, br := s.rawConn(t)
		deadline := time.Now().Add(20 * time.Second)
		for i := 0; i < 600 && time.Now().Before(deadline); i++ {
			c.SetDeadline(time.Now().Add(2 * time.Second))
			if _, body := roundTrip(t, c, br, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi", "POST"); body != "ok" {
				t.Fatalf("exchange %d: body %q", i, body)
			}
		}
	})
}

// TestClientWatchWaitsForTheBody: the background read that notices a
// client leaving must not start before the request's body is read, even
// when the previous request's unread body was discarded with nothing
// buffered after it (which once left the watch marked eligible, so that
// it read the socket concurrently with the handler).
func TestClientWatchWaitsForTheBody(t *testing.T) {
	first := "POST /1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" // body left unread
	second := "POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
	sc := &segmentConn{memConn: memConn{in: bytes.NewReader(nil)}, segments: [][]byte{[]byte(first), []byte(second)}}
	s := &Server{Logger: slog.New(slog.DiscardHandler), Handler: HandlerFunc(func(w ResponseWriter, r *Request) {
		if r.Path != "/2" {
			return
		}
		r.Context()
		c := r.src.(*conn)
		c.ctxMu.Lock()
		running := c.watch.running
		c.ctxMu.Unlock()
		if running {
			t.Error("the client watch started before the body was read")
		}
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
	})}
	s.init()
	c := newConn(s, sc)
	s.trackConn(c, true)
	c.serve()
	if out := string(sc.output()); !strings.HasSuffix(out, "hello") {
		t.Errorf("responses: %q", out)
	}
}
