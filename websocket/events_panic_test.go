package websocket

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/testutil/syncbuf"
)

// TestEventsOnMessagePanics: on every engine, a panic in OnMessage fails
// the connection with 1011 (RFC 6455 §7.4.1), the server logs it, OnClose
// reports the failure, and the next connection is served.
func TestEventsOnMessagePanics(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng httpserver.Engine) {
		logs := &syncbuf.Buffer{}
		closed := make(chan error, 2)
		h := httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
			AcceptEvents(w, r, nil, EventHandler{
				OnMessage: func(c *EventConn, typ MessageType, msg []byte) {
					if string(msg) == "boom" {
						panic("boom in OnMessage")
					}
					c.Write(context.Background(), typ, msg)
				},
				OnClose: func(c *EventConn, err error) { closed <- err },
			})
		})
		srv, addr := startEventsServer(t, eng, h, func(s *httpserver.Server) {
			s.Logger = slog.New(slog.NewTextHandler(logs, nil))
		})
		for round := range 2 {
			c := dialRaw(t, addr)
			c.send(txt("hello"))
			if _, _, msg := c.recvMessage(); string(msg) != "hello" {
				t.Fatalf("round %d: echo %q", round, msg)
			}
			c.send(txt("boom"))
			c.expectClose(1011)
			select {
			case err := <-closed:
				var f *failure
				if !errors.As(err, &f) || f.code != StatusInternalError {
					t.Fatalf("round %d: OnClose(%v), want the 1011 failure", round, err)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("round %d: no OnClose", round)
			}
		}
		for deadline := time.Now().Add(5 * time.Second); srv.Stats().Conns != 0 && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		if n := srv.Stats().Conns; n != 0 {
			t.Errorf("%d connections left", n)
		}
		if out := logs.String(); strings.Count(out, "boom in OnMessage") != 2 || !strings.Contains(out, "panic in EventHandler.OnData") {
			t.Errorf("log, want two panics of OnMessage:\n%s", out)
		}
	})
}
