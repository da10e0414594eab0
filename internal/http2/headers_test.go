package http2

import (
	"strings"
	"testing"

	"github.com/rawsock/httpserver/internal/http2/hpack"
)

// hf builds fields from name, value pairs.
func hf(kv ...string) []hpack.HeaderField {
	var fs []hpack.HeaderField
	for i := 0; i+1 < len(kv); i += 2 {
		fs = append(fs, hpack.HeaderField{Name: kv[i], Value: kv[i+1]})
	}
	return fs
}

func TestValidateRequestFields(t *testing.T) {
	get := []string{":method", "GET", ":scheme", "https", ":authority", "a.test", ":path", "/"}
	with := func(extra ...string) []hpack.HeaderField { return hf(append(append([]string{}, get...), extra...)...) }
	tests := []struct {
		name    string
		fields  []hpack.HeaderField
		connect bool   // SETTINGS_ENABLE_CONNECT_PROTOCOL sent
		bad     string // substring of the reason; "" means valid
	}{
		{"minimal", with(), false, ""},
		{"regular fields", with("accept", "*/*", "te", "trailers"), false, ""},
		{"uppercase name §8.2.1", with("Accept", "x"), false, "uppercase"},
		{"space in name §8.2.1", with("a b", "x"), false, "invalid field name"},
		{"empty name", with("", "x"), false, "empty"},
		{"NUL in value §8.2.1", with("x", "a\x00b"), false, "invalid character"},
		{"CR in value §8.2.1", with("x", "a\rb"), false, "invalid character"},
		{"LF in value §8.2.1", with("x", "a\nb"), false, "invalid character"},
		{"leading space §8.2.1", with("x", " a"), false, "whitespace"},
		{"trailing tab §8.2.1", with("x", "a\t"), false, "whitespace"},
		{"connection §8.2.2", with("connection", "close"), false, "connection-specific"},
		{"keep-alive §8.2.2", with("keep-alive", "5"), false, "connection-specific"},
		{"proxy-connection §8.2.2", with("proxy-connection", "x"), false, "connection-specific"},
		{"transfer-encoding §8.2.2", with("transfer-encoding", "chunked"), false, "connection-specific"},
		{"upgrade §8.2.2", with("upgrade", "h2c"), false, "connection-specific"},
		{"te gzip §8.2.2", with("te", "gzip"), false, "te other"},
		{"pseudo after regular §8.3", hf(":method", "GET", ":scheme", "https", "x", "y", ":path", "/"), false, "after a regular"},
		{"duplicate :path §8.3.1", with(":path", "/x"), false, "duplicate"},
		{"unknown pseudo §8.3", with(":foo", "x"), false, "unknown"},
		{":status in request §8.3", hf(":status", "200", ":method", "GET", ":scheme", "http", ":path", "/"), false, "unknown or response"},
		{"missing :method §8.3.1", hf(":scheme", "http", ":path", "/"), false, "missing"},
		{"missing :scheme §8.3.1", hf(":method", "GET", ":path", "/"), false, "missing"},
		{"missing :path §8.3.1", hf(":method", "GET", ":scheme", "http"), false, "missing"},
		{"empty :path §8.3.1", hf(":method", "GET", ":scheme", "http", ":path", ""), false, "empty :path"},
		{"relative :path §8.3.1", hf(":method", "GET", ":scheme", "http", ":path", "x"), false, "absolute path"},
		{"OPTIONS * §8.3.1", hf(":method", "OPTIONS", ":scheme", "http", ":path", "*"), false, ""},
		{"GET * §8.3.1", hf(":method", "GET", ":scheme", "http", ":path", "*"), false, "absolute path"},
		{"bad method", hf(":method", "G T", ":scheme", "http", ":path", "/"), false, "invalid :method"},
		{"CONNECT §8.5", hf(":method", "CONNECT", ":authority", "a.test:443"), false, ""},
		{"CONNECT without authority §8.5", hf(":method", "CONNECT"), false, "CONNECT needs"},
		{"CONNECT with path §8.5", hf(":method", "CONNECT", ":authority", "a:1", ":path", "/"), false, "CONNECT needs"},
		{"extended CONNECT RFC 8441", hf(":method", "CONNECT", ":protocol", "websocket", ":scheme", "https", ":path", "/ws", ":authority", "a"), true, ""},
		{":protocol not enabled RFC 8441", hf(":method", "CONNECT", ":protocol", "websocket", ":scheme", "https", ":path", "/ws", ":authority", "a"), false, "SETTINGS_ENABLE_CONNECT_PROTOCOL"},
		{":protocol on GET RFC 8441", hf(":method", "GET", ":protocol", "websocket", ":scheme", "https", ":path", "/ws"), true, "other than CONNECT"},
		{"host equals authority", with("host", "a.test"), false, ""},
		{"userinfo in :authority §8.3.1", hf(":method", "GET", ":scheme", "https", ":authority", "u:p@a.test", ":path", "/"), false, "userinfo"},
		{"host differs from :authority §8.3.1", with("host", "b.test"), false, "host differs"},
		{"host without :authority", hf(":method", "GET", ":scheme", "http", ":path", "/", "host", "b.test"), false, ""},
		{"content-length", with("content-length", "12"), false, ""},
		{"content-length repeated equal", with("content-length", "12", "content-length", "12"), false, ""},
		{"content-length differing", with("content-length", "12", "content-length", "13"), false, "content-length"},
		{"content-length not digits", with("content-length", "-1"), false, "content-length"},
		{"content-length huge", with("content-length", strings.Repeat("9", 30)), false, "content-length"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, reason := validateRequestFields(tt.fields, tt.connect)
			if tt.bad == "" && reason != "" || tt.bad != "" && !strings.Contains(reason, tt.bad) {
				t.Fatalf("reason %q, want %q", reason, tt.bad)
			}
		})
	}
}

func TestValidateTrailerFields(t *testing.T) {
	tests := []struct {
		fields []hpack.HeaderField
		bad    bool
	}{
		{hf("x-checksum", "abc"), false},
		{hf(":path", "/"), true},         // §8.1
		{hf("X-Checksum", "abc"), true},  // §8.2.1
		{hf("connection", "x"), true},    // §8.2.2
		{hf("x-checksum", "a\nb"), true}, // §8.2.1
	}
	for _, tt := range tests {
		if reason := validateTrailerFields(tt.fields); (reason != "") != tt.bad {
			t.Errorf("%v: reason %q", tt.fields, reason)
		}
	}
}

// Malformed requests over a real connection: a PROTOCOL_ERROR stream error
// (RFC 9113 §8.1.1) and the connection lives on.
func TestServerResetsMalformedRequests(t *testing.T) {
	tests := []struct {
		name  string
		send  func(rc *rawClient)
		reset bool
	}{
		{"uppercase", func(rc *rawClient) { rc.request(1, "GET", "/", true, "X-Up", "1") }, true},
		{"te gzip", func(rc *rawClient) { rc.request(1, "GET", "/", true, "te", "gzip") }, true},
		{"body longer than content-length §8.1.1", func(rc *rawClient) {
			rc.request(1, "POST", "/", false, "content-length", "2")
			rc.write(AppendData(nil, 1, true, []byte("abc")))
		}, true},
		{"body shorter than content-length §8.1.1", func(rc *rawClient) {
			rc.request(1, "POST", "/", false, "content-length", "4")
			rc.write(AppendData(nil, 1, true, []byte("abc")))
		}, true},
		{"END_STREAM with content-length > 0 §8.1.1", func(rc *rawClient) {
			rc.request(1, "POST", "/", true, "content-length", "4")
		}, true},
		{"trailers without END_STREAM §8.1", func(rc *rawClient) {
			rc.request(1, "POST", "/", false)
			rc.write(AppendHeaders(nil, 1, false, rc.enc.AppendBlock(nil, hf("x-t", "1")...), minMaxFrameSize))
		}, true},
		{"pseudo-header in trailers §8.1", func(rc *rawClient) {
			rc.request(1, "POST", "/", false)
			rc.write(AppendHeaders(nil, 1, true, rc.enc.AppendBlock(nil, hf(":path", "/")...), minMaxFrameSize))
		}, true},
		{"valid trailers", func(rc *rawClient) {
			rc.request(1, "POST", "/", false)
			rc.write(AppendData(nil, 1, false, []byte("abc")))
			rc.write(AppendHeaders(nil, 1, true, rc.enc.AppendBlock(nil, hf("x-t", "1")...), minMaxFrameSize))
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := startRaw(t, nil, helloHandler)
			tt.send(rc)
			if tt.reset {
				rc.expectReset(1, ErrCodeProtocol)
			} else if status, _ := rc.response(1); status != "200" {
				t.Fatalf("status %q", status)
			}
			// The connection is still usable.
			rc.request(3, "GET", "/after", true)
			if status, body := rc.response(3); status != "200" || body != "hello /after" {
				t.Fatalf("next request: %q %q", status, body)
			}
		})
	}
}
