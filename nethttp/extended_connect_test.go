package nethttp

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver/internal/http2/h2test"
)

// TestWrapExtendedConnect: a net/http handler served through the bridge
// sees an HTTP/2 extended CONNECT (RFC 8441) as net/http's server shows
// it, with :protocol in Header, and can run the tunnel: 200, flush, then
// echo the request body as it arrives.
func TestWrapExtendedConnect(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Seen", r.Method+" "+r.Header.Get(":protocol")+" "+r.URL.Path+" "+r.Host)
		if r.Method != http.MethodConnect || r.Header.Get(":protocol") != "websocket" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(w)
		rc.Flush()
		buf := make([]byte, 512)
		for {
			n, err := r.Body.Read(buf)
			if n > 0 {
				w.Write(buf[:n])
				rc.Flush()
			}
			if err != nil {
				return
			}
		}
	})
	base := serveOwn(t, h)
	addr := strings.TrimPrefix(base, "http://")
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	tn, err := h2test.DialTunnel(nc, h2test.TunnelRequest{Authority: addr, Path: "/chat", Protocol: "websocket"})
	if err != nil {
		t.Fatal(err)
	}
	defer tn.Close()
	if want := "CONNECT websocket /chat " + addr; tn.Status != 200 || tn.Field("x-seen") != want {
		t.Fatalf("status %d, X-Seen %q; want 200, %q", tn.Status, tn.Field("x-seen"), want)
	}
	tn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for i := range 3 {
		msg := bytes.Repeat([]byte{byte('a' + i)}, 700)
		if _, err := tn.Write(msg); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(tn, got); err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("round %d: %v, echoed %.20q", i, err, got)
		}
	}
}
