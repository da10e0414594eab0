package nethttp

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A wrapped handler's context ends when the client goes away, as on
// net/http's own server.
func TestWrapContextCancelledWhenClientLeaves(t *testing.T) {
	cancelled := make(chan bool, 1)
	addr := serveOwn(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			cancelled <- true
		case <-time.After(5 * time.Second):
			cancelled <- false
		}
	}))
	c, err := net.Dial("tcp", strings.TrimPrefix(addr, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	time.Sleep(50 * time.Millisecond)
	c.Close()
	if !<-cancelled {
		t.Fatal("context not cancelled after the client left")
	}
}
