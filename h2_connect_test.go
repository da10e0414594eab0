package httpserver

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver/internal/http2"
	"github.com/rawsock/httpserver/internal/http2/h2test"
	"github.com/rawsock/httpserver/internal/http2/hpack"
)

// dialTunnel opens an extended CONNECT stream to addr with h2test's
// client (prior knowledge).
func dialTunnel(t *testing.T, addr string, req h2test.TunnelRequest) *h2test.Tunnel {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if req.Authority == "" {
		req.Authority = addr
	}
	tn, err := h2test.DialTunnel(nc, req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tn.Close() })
	return tn
}

// tunnelHandler answers an extended CONNECT with 200 and what the server
// made of the request in X- fields, then echoes the request body until it
// ends (then CloseWrite) or, on /abort, resets the stream after the first
// bytes. done receives the handler's last read error.
func tunnelHandler(done chan<- error) Handler {
	return HandlerFunc(func(w ResponseWriter, r *Request) {
		h := w.Header()
		h.Set("X-Method", r.Method)
		h.Set("X-Protocol", r.Protocol)
		h.Set("X-Target", r.Target)
		h.Set("X-Path", r.Path)
		h.Set("X-Host", r.Host)
		if r.Protocol == "" {
			w.WriteHeader(StatusNoContent)
			return
		}
		w.WriteHeader(StatusOK)
		rc := NewResponseController(w)
		if err := rc.Flush(); err != nil {
			done <- err
			return
		}
		buf := make([]byte, 1000)
		for {
			n, err := r.Body.Read(buf)
			if n > 0 && r.Path == "/abort" {
				rc.ResetStream()
				_, err = r.Body.Read(buf)
				_, werr := w.Write([]byte("after reset"))
				done <- errors.Join(err, werr)
				return
			}
			if n > 0 {
				w.Write(buf[:n])
				rc.Flush()
			}
			if err != nil {
				if err == io.EOF {
					err = rc.CloseWrite()
					if _, werr := w.Write([]byte("x")); werr == nil {
						err = errors.New("Write after CloseWrite succeeded")
					}
				}
				done <- err
				return
			}
		}
	})
}

// An extended CONNECT (RFC 8441) reaches the handler as a tunnel on every
// engine: Method CONNECT, Protocol from :protocol, Target and Path from
// :path; the body and the response are two byte streams not bounded by
// Limits.MaxBodyBytes or Timeouts.Read; CloseWrite sends END_STREAM.
func TestH2ExtendedConnectTunnel(t *testing.T) {
	forEachEngine(t, func(t *testing.T, start func(Handler, ...func(*Server)) *testServer) {
		done := make(chan error, 1)
		srv := start(tunnelHandler(done), withH2C, func(s *Server) {
			s.Limits.MaxBodyBytes = 1000
			s.Timeouts.Read = 100 * time.Millisecond
		})
		tn := dialTunnel(t, srv.addr, h2test.TunnelRequest{Path: "/ws?room=1", Protocol: "websocket"})
		want := map[string]string{"x-method": "CONNECT", "x-protocol": "websocket", "x-target": "/ws?room=1", "x-path": "/ws", "x-host": srv.addr}
		for k, v := range want {
			if got := tn.Field(k); got != v {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
		if tn.Status != 200 || tn.Field("content-length") != "" {
			t.Fatalf("status %d, content-length %q: want 200 without a length", tn.Status, tn.Field("content-length"))
		}
		tn.SetReadDeadline(time.Now().Add(10 * time.Second))
		for i := range 4 {
			if i == 2 {
				time.Sleep(200 * time.Millisecond) // past Timeouts.Read
			}
			msg := bytes.Repeat([]byte{byte('a' + i)}, 3000) // past MaxBodyBytes in total
			if _, err := tn.Write(msg); err != nil {
				t.Fatal(err)
			}
			got := make([]byte, len(msg))
			if _, err := io.ReadFull(tn, got); err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("round %d: %v, echoed %.20q", i, err, got)
			}
		}
		tn.CloseWrite()
		if err := <-done; err != nil {
			t.Fatalf("handler: %v", err)
		}
		if ev := tn.WaitEnd(5 * time.Second); !slices.Contains(ev, "END_STREAM") || slices.Contains(ev, "RST_STREAM CANCEL") {
			t.Fatalf("events %v, want END_STREAM", ev)
		}
		if _, err := tn.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("read after END_STREAM: %v, want EOF", err)
		}
	})
}

// ResetStream aborts the tunnel: RST_STREAM CANCEL to the client (RFC 8441
// §5), and the handler's reads and writes fail.
func TestH2ExtendedConnectReset(t *testing.T) {
	forEachEngine(t, func(t *testing.T, start func(Handler, ...func(*Server)) *testServer) {
		done := make(chan error, 1)
		srv := start(tunnelHandler(done), withH2C)
		tn := dialTunnel(t, srv.addr, h2test.TunnelRequest{Path: "/abort", Protocol: "websocket"})
		tn.Write([]byte("go"))
		if ev := tn.WaitEnd(5 * time.Second); !slices.Contains(ev, "RST_STREAM CANCEL") {
			t.Fatalf("events %v, want RST_STREAM CANCEL", ev)
		}
		err := <-done
		if !errors.Is(err, http2.ErrStreamReset) {
			t.Fatalf("handler's read and write after ResetStream: %v, want the stream reset", err)
		}
	})
}

// The rejection rules of extended CONNECT, seen from a client: the
// stream is reset with PROTOCOL_ERROR before any handler runs, and a
// CONNECT without :protocol keeps its RFC 9113 §8.5 meaning.
func TestH2ExtendedConnectRules(t *testing.T) {
	pseudo := func(kv ...string) []hpack.HeaderField {
		var f []hpack.HeaderField
		for i := 0; i < len(kv); i += 2 {
			f = append(f, hpack.HeaderField{Name: kv[i], Value: kv[i+1]})
		}
		return f
	}
	tests := []struct {
		name   string
		off    bool // HTTP2.NoExtendedConnect
		pseudo []hpack.HeaderField
		want   string // first event
		target string // X-Target when the handler ran
	}{
		// RFC 8441 §3: the setting is announced unless turned off.
		{"extended CONNECT", false, nil, "HEADERS 200", "/ws"},
		// RFC 8441 §3, §4: :protocol before the server enabled it is a
		// malformed request (RFC 9113 §8.1.1: stream error PROTOCOL_ERROR).
		{"setting turned off", true, nil, "RST_STREAM PROTOCOL_ERROR", ""},
		// RFC 8441 §4: :protocol belongs to CONNECT only.
		{":protocol on GET", false, pseudo(":method", "GET", ":protocol", "websocket", ":scheme", "http", ":path", "/ws", ":authority", "a"), "RST_STREAM PROTOCOL_ERROR", ""},
		// RFC 8441 §4: an extended CONNECT carries :scheme and :path.
		{"no :path", false, pseudo(":method", "CONNECT", ":protocol", "websocket", ":scheme", "http", ":authority", "a"), "RST_STREAM PROTOCOL_ERROR", ""},
		{"no :scheme", false, pseudo(":method", "CONNECT", ":protocol", "websocket", ":path", "/ws", ":authority", "a"), "RST_STREAM PROTOCOL_ERROR", ""},
		// RFC 9113 §8.5: a CONNECT without :protocol names its target
		// in :authority and has no :scheme or :path.
		{"plain CONNECT", false, pseudo(":method", "CONNECT", ":authority", "a.test:443"), "HEADERS 204", "a.test:443"},
		{"plain CONNECT with :path", false, pseudo(":method", "CONNECT", ":authority", "a.test:443", ":path", "/"), "RST_STREAM PROTOCOL_ERROR", ""},
	}
	forEachEngine(t, func(t *testing.T, start func(Handler, ...func(*Server)) *testServer) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				done := make(chan error, 1)
				srv := start(tunnelHandler(done), withH2C, func(s *Server) { s.HTTP2.NoExtendedConnect = tt.off })
				tn := dialTunnel(t, srv.addr, h2test.TunnelRequest{Path: "/ws", Protocol: "websocket", Pseudo: tt.pseudo, IgnoreSettings: true})
				enabled := slices.Contains(tn.Settings, http2.Setting{ID: http2.SettingEnableConnectProtocol, Val: 1})
				if enabled == tt.off {
					t.Errorf("SETTINGS %v: ENABLE_CONNECT_PROTOCOL=1 %v, want %v", tn.Settings, enabled, !tt.off)
				}
				ev := tn.Events()
				if len(ev) == 0 || ev[0] != tt.want {
					t.Fatalf("events %v, want %s first", ev, tt.want)
				}
				if got := tn.Field("x-target"); got != tt.target {
					t.Fatalf("target %q, want %q", got, tt.target)
				}
				tn.CloseWrite()
			})
		}
	})
}

// CloseWrite and ResetStream are HTTP/2's: an HTTP/1 writer says
// ErrNotSupported.
func TestTunnelControlsHTTP1(t *testing.T) {
	srv := startServer(t, HandlerFunc(func(w ResponseWriter, r *Request) {
		rc := NewResponseController(w)
		fmt.Fprint(w, errors.Is(rc.CloseWrite(), ErrNotSupported), errors.Is(rc.ResetStream(), ErrNotSupported))
	}))
	res, err := newClient(t).Get("http://" + srv.addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if strings.TrimSpace(string(b)) != "true true" {
		t.Fatalf("got %q", b)
	}
}
