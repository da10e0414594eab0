package http2

import (
	"encoding/base64"
	"io"
	"net"
	"testing"
	"time"
)

func TestDecodeSettingsField(t *testing.T) {
	valid := AppendSettings(nil, Setting{SettingInitialWindowSize, 1 << 20}, Setting{SettingEnablePush, 0})[frameHeaderLen:]
	tests := []struct {
		in string
		ok bool
	}{
		{base64.RawURLEncoding.EncodeToString(valid), true},
		{base64.URLEncoding.EncodeToString(valid), true}, // padding tolerated
		{"", true},
		{"!!!", false},
		{base64.RawURLEncoding.EncodeToString(valid[:5]), false}, // not 6n octets
		{base64.RawURLEncoding.EncodeToString(AppendSettings(nil, Setting{SettingMaxFrameSize, 1})[frameHeaderLen:]), false},
	}
	for _, tt := range tests {
		if _, err := DecodeSettingsField(tt.in); (err == nil) != tt.ok {
			t.Errorf("%q: %v", tt.in, err)
		}
	}
}

// serveRaw serves one loopback connection with opts and returns the
// client side (nothing sent yet) and a client frame reader.
func serveRaw(t *testing.T, h Handler, opts ServeOptions) (net.Conn, *FrameReader) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	snc, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	sc := NewServerConn(snc, nil, h)
	done := make(chan error, 1)
	go func() {
		if opts.PrefaceRead {
			// What the HTTP/1 side does when it recognizes the preface.
			io.ReadFull(snc, make([]byte, len(ClientPreface)))
		}
		done <- sc.Serve(opts)
	}()
	t.Cleanup(func() { nc.Close(); sc.Close(); <-done })
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	return nc, NewFrameReader(nc, maxMaxFrameSize)
}

// The h2c upgrade request is stream 1: its body is readable, its response
// follows the server's SETTINGS, and the connection then serves stream 3.
func TestUpgradeRequestIsStream1(t *testing.T) {
	settings := AppendSettings(nil, Setting{SettingMaxFrameSize, 1 << 15})[frameHeaderLen:]
	nc, fr := serveRaw(t, helloHandler, ServeOptions{Upgrade: &Upgrade{
		Settings: settings,
		Fields:   hf(":method", "POST", ":scheme", "http", ":authority", "a.test", ":path", "/up", "content-length", "4"),
		Body:     []byte("body"),
	}})
	nc.Write([]byte(ClientPreface))
	nc.Write(AppendSettings(nil))
	rc := &rawClient{t: t, nc: nc, fr: fr, dec: newClientDecoder()}
	if f, err := fr.ReadFrame(); err != nil || f.Type != FrameSettings {
		t.Fatalf("first frame %v, %v; want SETTINGS", f, err)
	}
	status, body := rc.response(1)
	if status != "200" || body != "hello /up" {
		t.Fatalf("%q %q", status, body)
	}
	rc.enc = newClientEncoder()
	rc.request(3, "GET", "/next", true)
	if status, body := rc.response(3); status != "200" || body != "hello /next" {
		t.Fatalf("%q %q", status, body)
	}
}

// With PrefaceRead the server does not expect the preface again.
func TestPrefaceAlreadyRead(t *testing.T) {
	nc, fr := serveRaw(t, helloHandler, ServeOptions{PrefaceRead: true})
	nc.Write([]byte(ClientPreface)) // consumed by the "HTTP/1 side"
	nc.Write(AppendSettings(nil))
	rc := &rawClient{t: t, nc: nc, fr: fr, dec: newClientDecoder(), enc: newClientEncoder()}
	rc.request(1, "GET", "/pk", true)
	if status, body := rc.response(1); status != "200" || body != "hello /pk" {
		t.Fatalf("%q %q", status, body)
	}
}
