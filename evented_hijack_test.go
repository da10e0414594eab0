package httpserver

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

// echoEvents is an EventHandler that echoes what it receives, records
// how it ended and checks that its calls never overlap.
type echoEvents struct {
	nc      net.Conn
	ready   chan struct{} // closed once nc is set
	inCall  atomic.Int32
	overlap atomic.Bool
	closes  atomic.Int32
	closed  chan error
	bye     string // written and closed on OnShutdown, when set
	onShut  atomic.Int32
}

func newEchoEvents() *echoEvents {
	return &echoEvents{ready: make(chan struct{}), closed: make(chan error, 2)}
}

func (e *echoEvents) enter() {
	if e.inCall.Add(1) != 1 {
		e.overlap.Store(true)
	}
}

func (e *echoEvents) leave() { e.inCall.Add(-1) }

func (e *echoEvents) OnData(p []byte) {
	e.enter()
	defer e.leave()
	<-e.ready
	e.nc.Write(p)
}

func (e *echoEvents) OnClose(err error) {
	e.enter()
	defer e.leave()
	e.closes.Add(1)
	e.closed <- err
}

// shutdownEvents adds OnShutdown to echoEvents: it writes bye and closes.
type shutdownEvents struct{ *echoEvents }

func (e shutdownEvents) OnShutdown() {
	e.onShut.Add(1)
	<-e.ready
	e.nc.Write([]byte(e.bye))
	e.nc.Close()
}

// eventsHandler takes every request over with HijackEvents and h.
func eventsHandler(t *testing.T, mk func() (EventHandler, *echoEvents), got chan<- *echoEvents) Handler {
	return HandlerFunc(func(w ResponseWriter, r *Request) {
		h, e := mk()
		w.Header().Set("Upgrade", "echo")
		w.Header().Set("Connection", "Upgrade")
		w.WriteHeader(StatusSwitchingProtocols)
		nc, err := NewResponseController(w).HijackEvents(h)
		if err != nil {
			t.Error(err)
			return
		}
		if _, err := nc.Read(make([]byte, 1)); !errors.Is(err, ErrEventedRead) {
			t.Errorf("Read of an evented connection: %v, want ErrEventedRead", err)
		}
		e.nc = nc
		close(e.ready)
		got <- e
	})
}

func plainEcho() (EventHandler, *echoEvents) { e := newEchoEvents(); return e, e }

// upgradeRequest is sent with bytes after it, which reach OnData first.
const upgradeRequest = "GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nearly"

// readUpgrade reads the 101 head.
func readUpgrade(t *testing.T, br *bufio.Reader) {
	t.Helper()
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "\r\n" {
			return
		}
	}
}

// TestHijackEventsEcho: on every engine, and over TLS on epoll, the bytes
// after the request and those sent later reach OnData in order; the
// handler's writes reach the client; the client's close gives one
// OnClose(io.EOF), after which the server no longer counts the
// connection.
func TestHijackEventsEcho(t *testing.T) {
	run := func(t *testing.T, s *testServer, c net.Conn, br *bufio.Reader, got chan *echoEvents) {
		io.WriteString(c, upgradeRequest)
		readUpgrade(t, br)
		e := <-got
		want := "early"
		for i := range 20 {
			msg := strings.Repeat(string(rune('a'+i)), 1+i*500)
			io.WriteString(c, msg)
			want += msg
		}
		buf := make([]byte, len(want))
		if _, err := io.ReadFull(br, buf); err != nil || string(buf) != want {
			t.Fatalf("echo: %v, %d bytes, equal %v", err, len(buf), string(buf) == want)
		}
		c.Close()
		select {
		case err := <-e.closed:
			if err != io.EOF && !errors.Is(err, net.ErrClosed) && !errors.Is(err, io.EOF) {
				t.Logf("OnClose(%v)", err) // a TLS client's close may end otherwise
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no OnClose")
		}
		waitConns(t, s, 0)
		if e.overlap.Load() || e.closes.Load() != 1 {
			t.Fatalf("overlapping calls %v, OnClose calls %d", e.overlap.Load(), e.closes.Load())
		}
	}
	forEachEngine(t, func(t *testing.T, start func(Handler, ...func(*Server)) *testServer) {
		got := make(chan *echoEvents, 1)
		s := start(eventsHandler(t, plainEcho, got))
		c, br := s.rawConn(t)
		run(t, s, c, br, got)
	})
	t.Run("tls-epoll", func(t *testing.T) {
		got := make(chan *echoEvents, 1)
		s, tc := startTLSServer(t, eventsHandler(t, plainEcho, got), withEngine(EngineEpoll))
		c, br := dialTLS(t, s, tc)
		run(t, s, c, br, got)
	})
}

// waitConns waits until the server counts n open connections.
func waitConns(t *testing.T, s *testServer, n int64) {
	t.Helper()
	for range 500 {
		if s.Stats().Conns == n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("open connections %d, want %d", s.Stats().Conns, n)
}

// TestHijackEventsShutdown: Shutdown calls OnShutdown once and waits for
// the handler to close the connection; a handler without OnShutdown has
// its connection closed (OnClose with net.ErrClosed); the server's Close
// closes evented connections too.
func TestHijackEventsShutdown(t *testing.T) {
	forEachEngine(t, func(t *testing.T, start func(Handler, ...func(*Server)) *testServer) {
		t.Run("notified", func(t *testing.T) {
			got := make(chan *echoEvents, 1)
			s := start(eventsHandler(t, func() (EventHandler, *echoEvents) {
				e := newEchoEvents()
				e.bye = "bye"
				return shutdownEvents{e}, e
			}, got))
			c, br := s.rawConn(t)
			io.WriteString(c, upgradeRequest)
			readUpgrade(t, br)
			e := <-got
			// The events have begun once the bytes sent with the
			// request come back; a Shutdown before that may notify the
			// handler first, and its close then ends the echo.
			early := make([]byte, len("early"))
			if _, err := io.ReadFull(br, early); err != nil || string(early) != "early" {
				t.Fatalf("echo %q, %v", early, err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := s.Shutdown(ctx); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			rest, _ := io.ReadAll(br)
			if string(rest) != "bye" {
				t.Fatalf("client read %q after the echo, want the goodbye", rest)
			}
			if err := <-e.closed; !errors.Is(err, net.ErrClosed) {
				t.Fatalf("OnClose(%v), want net.ErrClosed", err)
			}
			if n := e.onShut.Load(); n != 1 {
				t.Fatalf("OnShutdown called %d times", n)
			}
		})
		t.Run("closed", func(t *testing.T) {
			got := make(chan *echoEvents, 1)
			s := start(eventsHandler(t, plainEcho, got))
			c, br := s.rawConn(t)
			io.WriteString(c, upgradeRequest)
			readUpgrade(t, br)
			e := <-got
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := s.Shutdown(ctx); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			if err := <-e.closed; !errors.Is(err, net.ErrClosed) {
				t.Fatalf("OnClose(%v), want net.ErrClosed", err)
			}
		})
		t.Run("server-close", func(t *testing.T) {
			got := make(chan *echoEvents, 1)
			s := start(eventsHandler(t, func() (EventHandler, *echoEvents) {
				e := newEchoEvents()
				return shutdownEvents{e}, e
			}, got))
			c, br := s.rawConn(t)
			io.WriteString(c, upgradeRequest)
			readUpgrade(t, br)
			e := <-got
			s.Close()
			if err := <-e.closed; !errors.Is(err, net.ErrClosed) {
				t.Fatalf("OnClose(%v), want net.ErrClosed", err)
			}
		})
	})
}

// TestHijackEventsCloseRace: a handler closing the connection while the
// client floods it, from OnData and from outside, gets exactly one
// OnClose and never overlapping calls (run with -race).
func TestHijackEventsCloseRace(t *testing.T) {
	forEachEngine(t, func(t *testing.T, start func(Handler, ...func(*Server)) *testServer) {
		got := make(chan *echoEvents, 8)
		s := start(eventsHandler(t, plainEcho, got))
		var wg sync.WaitGroup
		for i := range 8 {
			c, br := s.rawConn(t)
			io.WriteString(c, upgradeRequest)
			readUpgrade(t, br)
			e := <-got
			wg.Add(2)
			go func() { // the client floods and drains
				defer wg.Done()
				go io.Copy(io.Discard, br)
				chunk := make([]byte, 1000)
				for range 200 {
					if _, err := c.Write(chunk); err != nil {
						return
					}
				}
			}()
			go func() {
				defer wg.Done()
				time.Sleep(time.Duration(i) * time.Millisecond)
				e.nc.Close()
			}()
			select {
			case <-e.closed:
			case <-time.After(5 * time.Second):
				t.Fatal("no OnClose")
			}
			if e.overlap.Load() {
				t.Fatal("calls overlapped")
			}
		}
		wg.Wait()
		waitConns(t, s, 0)
	})
}

// TestHijackEventsIdleHoldsNoGoroutine: on the epoll engine, evented
// connections waiting for input hold no goroutine; on the goroutine
// engine each holds its reader.
func TestHijackEventsIdleHoldsNoGoroutine(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("epoll")
	}
	const n = 50
	for _, tc := range []struct {
		engine   Engine
		min, max int
	}{
		{EngineEpoll, -5, 5},
		{EngineGoroutine, n - 5, n + 10},
	} {
		t.Run(string(tc.engine), func(t *testing.T) {
			got := make(chan *echoEvents, n)
			s := startServer(t, eventsHandler(t, plainEcho, got), withEngine(tc.engine))
			// One connection first, so that lazily started goroutines
			// (pool workers, loops) count in the baseline.
			warm := func() {
				c, br := s.rawConn(t)
				io.WriteString(c, upgradeRequest)
				readUpgrade(t, br)
				<-got
				buf := make([]byte, 5)
				io.ReadFull(br, buf)
			}
			warm()
			time.Sleep(100 * time.Millisecond)
			before := runtime.NumGoroutine()
			for range n {
				warm()
			}
			time.Sleep(100 * time.Millisecond)
			d := runtime.NumGoroutine() - before
			if d < tc.min || d > tc.max {
				t.Fatalf("%d idle evented connections added %d goroutines, want %d..%d", n, d, tc.min, tc.max)
			}
		})
	}
}

// TestEventedConnSize pins what a connection taken over with
// HijackEvents adds to the conn and fdConn an idle one keeps: one
// 96-byte allocation (see the WebSocket idle-memory figures in
// docs/websocket.md).
func TestEventedConnSize(t *testing.T) {
	if n := unsafe.Sizeof(eventedConn{}); n > 96 {
		t.Fatalf("eventedConn is %d bytes, want at most 96", n)
	}
}

// keepEvents keeps the slice OnData was given (which a handler must not).
type keepEvents struct {
	kept   chan []byte
	closed chan struct{}
}

func (k *keepEvents) OnData(p []byte) {
	select {
	case k.kept <- p:
	default:
	}
}
func (k *keepEvents) OnClose(error) { close(k.closed) }

// TestHijackEventsKeptBytesPoisoned: in race-detector builds the bytes
// given to OnData are overwritten once it returns, so a handler that
// keeps them sees garbage (and the race detector reports a handler that
// reads them without synchronising; this test waits for OnClose).
func TestHijackEventsKeptBytesPoisoned(t *testing.T) {
	if !raceEnabled {
		t.Skip("race-detector builds only")
	}
	forEachEngine(t, func(t *testing.T, start func(Handler, ...func(*Server)) *testServer) {
		k := &keepEvents{kept: make(chan []byte, 1), closed: make(chan struct{})}
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			if _, err := NewResponseController(w).HijackEvents(k); err != nil {
				t.Error(err)
			}
		}))
		c, _ := s.rawConn(t)
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\nkeep me")
		p := <-k.kept
		c.Close()
		<-k.closed
		for _, b := range p {
			if b != 0xDB {
				t.Fatalf("kept bytes still read %q", p)
			}
		}
	})
}
