package httpserver

import (
	"io"
	"testing"
	"time"
)

func TestContextCancelledWhenClientLeaves(t *testing.T) {
	forEachEngine(t, func(t *testing.T, start func(Handler, ...func(*Server)) *testServer) {
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
		c, _ := s.rawConn(t)
		io.WriteString(c, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi")
		time.Sleep(50 * time.Millisecond)
		c.Close()
		if !<-cancelled {
			t.Fatal("context not cancelled after the client closed")
		}
	})
}

func TestWatchKeepsPipelinedBytes(t *testing.T) {
	forEachEngine(t, func(t *testing.T, start func(Handler, ...func(*Server)) *testServer) {
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
