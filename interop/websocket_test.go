package interop

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rawsock/httpserver/nethttp"
)

func TestWebSocketEcho(t *testing.T) {
	upgrader := websocket.Upgrader{}
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		conn, err := upgrader.Upgrade(w, r, http.Header{"X-Server": {"httpserver"}})
		if err != nil {
			if r.Header.Get("Upgrade") != "" {
				t.Errorf("Upgrade: %v", err)
			}
			return // gorilla has answered 400 to a plain request
		}
		defer conn.Close()
		for {
			mt, msg, err := conn.ReadMessage()
			if err != nil {
				return // the client closed
			}
			if err := conn.WriteMessage(mt, append([]byte("echo: "), msg...)); err != nil {
				t.Errorf("WriteMessage: %v", err)
				return
			}
		}
	})
	mux.HandleFunc("/plain", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("not a socket"))
	})
	base := serve(t, nethttp.Wrap(mux))
	wsURL := "ws" + strings.TrimPrefix(base, "http") + "/ws"

	dialer := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	conn, res, err := dialer.Dial(wsURL, nil)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer conn.Close()
	if res.StatusCode != 101 || res.Header.Get("X-Server") != "httpserver" {
		t.Errorf("handshake: %d %v", res.StatusCode, res.Header)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for i := range 5 {
		msg := fmt.Sprintf("message %d %s", i, strings.Repeat("x", i*3000))
		if err := conn.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		mt, got, err := conn.ReadMessage()
		if err != nil || mt != websocket.TextMessage || string(got) != "echo: "+msg {
			t.Fatalf("round %d: %d %.40q %v", i, mt, got, err)
		}
	}
	if err := conn.WriteMessage(websocket.BinaryMessage, []byte{0, 1, 2}); err != nil {
		t.Fatal(err)
	}
	if mt, got, err := conn.ReadMessage(); err != nil || mt != websocket.BinaryMessage || string(got) != "echo: \x00\x01\x02" {
		t.Errorf("binary: %d %q %v", mt, got, err)
	}
	conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))

	// A non-WebSocket request to the upgrader's path is refused by gorilla
	// with 400, and plain routes still work on the same server.
	c := newClient(t)
	if res, _ := get(t, c, mustRequest(t, "GET", base+"/ws", nil)); res.StatusCode != 400 {
		t.Errorf("plain GET to /ws: %d", res.StatusCode)
	}
	if _, body := get(t, c, mustRequest(t, "GET", base+"/plain", nil)); body != "not a socket" {
		t.Errorf("plain: %q", body)
	}
}
