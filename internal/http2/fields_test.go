package http2

import (
	"testing"

	"github.com/rawsock/httpserver/internal/http2/hpack"
)

// Response fields from a handler: names lowercased, connection-specific
// and invalid fields dropped (RFC 9113 §8.2.1, §8.2.2).
func TestResponseFieldFilter(t *testing.T) {
	in := hf(
		"Content-Type", "text/plain",
		"Connection", "close",
		"Transfer-Encoding", "chunked",
		"Keep-Alive", "5",
		"Upgrade", "h2c",
		"Proxy-Connection", "x",
		"X-Bad", "a\r\nInjected: 1",
		"Bad Name", "v",
		"", "v",
		":status", "200",
		"X-Ok", "fine",
	)
	var fs fieldStore
	fs.set(in, true)
	want := []hpack.HeaderField{{Name: "content-type", Value: "text/plain"}, {Name: "x-ok", Value: "fine"}}
	if len(fs.fields) != len(want) {
		t.Fatalf("got %v, want %v", fs.fields, want)
	}
	for i := range want {
		if fs.fields[i].Name != want[i].Name || fs.fields[i].Value != want[i].Value {
			t.Fatalf("got %v, want %v", fs.fields, want)
		}
	}
	// Request fields are stored as received (they were validated).
	fs.set(hf("x-a", "1", ":path", "/"), false)
	if len(fs.fields) != 2 || fs.fields[1].Name != ":path" {
		t.Fatalf("request fields %v", fs.fields)
	}
}
