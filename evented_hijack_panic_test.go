package httpserver

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver/internal/testutil/syncbuf"
)

// panicEvents echoes its input and panics on "boom" in OnData (with
// ErrAbortHandler on "abort") and, when closePanics, in OnClose.
type panicEvents struct {
	*echoEvents
	closePanics bool
}

func (e panicEvents) OnData(p []byte) {
	switch string(p) {
	case "boom":
		panic("boom in OnData")
	case "abort":
		panic(ErrAbortHandler)
	}
	e.echoEvents.OnData(p)
}

func (e panicEvents) OnClose(err error) {
	e.echoEvents.OnClose(err)
	if e.closePanics {
		panic("boom in OnClose")
	}
}

// TestHijackEventsPanics: on every engine (on epoll, OnData runs on the
// event loop itself), a panic in OnData is recovered: it is logged with
// its stack (ErrAbortHandler silently), the connection closes, OnClose
// hears ErrEventHandlerPanic, the server forgets the connection and
// serves the next one. A panic in OnClose is logged and the connection
// forgotten all the same.
func TestHijackEventsPanics(t *testing.T) {
	cases := []struct {
		name, send  string
		closePanics bool
		wantLog     []string
		wantErr     error
	}{
		{"OnData", "boom", false, []string{"panic in EventHandler.OnData", "boom in OnData", "evented_hijack_panic_test.go"}, ErrEventHandlerPanic},
		{"abort", "abort", false, nil, ErrEventHandlerPanic},
		{"OnClose", "", true, []string{"panic in EventHandler.OnClose", "boom in OnClose"}, io.EOF},
	}
	forEachEngine(t, func(t *testing.T, start func(Handler, ...func(*Server)) *testServer) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				logs := &syncbuf.Buffer{}
				got := make(chan *echoEvents, 2)
				s := start(eventsHandler(t, func() (EventHandler, *echoEvents) {
					e := newEchoEvents()
					return panicEvents{e, tc.closePanics}, e
				}, got), func(s *Server) { s.Logger = newTestLogger(logs) })
				for round := range 2 { // the second connection is served as the first
					c, br := s.rawConn(t)
					io.WriteString(c, upgradeRequest)
					readUpgrade(t, br)
					e := <-got
					early := make([]byte, len("early"))
					if _, err := io.ReadFull(br, early); err != nil {
						t.Fatalf("round %d: echo before the panic: %v", round, err)
					}
					if tc.send != "" {
						io.WriteString(c, tc.send)
						c.SetReadDeadline(time.Now().Add(5 * time.Second))
						if n, err := br.Read(make([]byte, 16)); err != io.EOF {
							t.Fatalf("round %d: after the panic read %d bytes, %v; want EOF", round, n, err)
						}
					}
					c.Close()
					select {
					case err := <-e.closed:
						if !errors.Is(err, tc.wantErr) {
							t.Fatalf("round %d: OnClose(%v), want %v", round, err, tc.wantErr)
						}
					case <-time.After(5 * time.Second):
						t.Fatalf("round %d: no OnClose", round)
					}
					waitConns(t, s, 0)
				}
				out := logs.String()
				for _, w := range tc.wantLog {
					if !strings.Contains(out, w) {
						t.Errorf("log lacks %q:\n%s", w, out)
					}
				}
				if tc.wantLog == nil && strings.Contains(out, "panic") {
					t.Errorf("ErrAbortHandler logged:\n%s", out)
				}
			})
		}
	})
}

// panicOnShutdown is an EventHandler whose OnShutdown panics.
type panicOnShutdown struct{ *echoEvents }

func (p panicOnShutdown) OnShutdown() { panic("boom in OnShutdown") }

// TestHijackEventsShutdownPanics: a panic in OnShutdown, which runs on a
// goroutine of its own, is recovered and logged; the connection is
// closed (OnClose with net.ErrClosed) and the Shutdown completes, on
// every engine.
func TestHijackEventsShutdownPanics(t *testing.T) {
	forEachEngine(t, func(t *testing.T, start func(Handler, ...func(*Server)) *testServer) {
		logs := &syncbuf.Buffer{}
		got := make(chan *echoEvents, 1)
		s := start(eventsHandler(t, func() (EventHandler, *echoEvents) {
			e := newEchoEvents()
			return panicOnShutdown{e}, e
		}, got), func(s *Server) { s.Logger = newTestLogger(logs) })
		c, br := s.rawConn(t)
		io.WriteString(c, upgradeRequest)
		readUpgrade(t, br)
		e := <-got
		if _, err := io.ReadFull(br, make([]byte, len("early"))); err != nil {
			t.Fatal(err) // the events have begun
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		select {
		case err := <-e.closed:
			if !errors.Is(err, net.ErrClosed) {
				t.Fatalf("OnClose(%v), want net.ErrClosed", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no OnClose")
		}
		if out := logs.String(); !strings.Contains(out, "panic in EventHandler.OnShutdown") || !strings.Contains(out, "boom in OnShutdown") {
			t.Errorf("log lacks the OnShutdown panic:\n%s", out)
		}
	})
}
