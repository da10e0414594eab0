package nethttp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/rawsock/httpserver"
)

// field is a header field for building test requests.
type field struct{ name, value string }

// serverRequest builds a request the way the server does: every string
// aliases one buffer, returned so the test can overwrite it.
func serverRequest(method, target, host string, fields []field, contentLength int64, body string) (*httpserver.Request, []byte) {
	var all []string
	all = append(all, method, target, host, "HTTP/1.1", "203.0.113.9:4711")
	for _, f := range fields {
		all = append(all, f.name, f.value)
	}
	buf := []byte(strings.Join(all, ""))
	off := 0
	next := func(s string) string {
		v := unsafe.String(unsafe.SliceData(buf[off:]), len(s))
		off += len(s)
		return v
	}
	r := &httpserver.Request{
		Method:        next(method),
		Target:        next(target),
		Host:          next(host),
		Proto:         next("HTTP/1.1"),
		ProtoMajor:    1,
		ProtoMinor:    1,
		RemoteAddr:    next("203.0.113.9:4711"),
		ContentLength: contentLength,
		Trailer:       new(httpserver.Header),
		Body:          io.NopCloser(strings.NewReader(body)),
	}
	for _, f := range fields {
		r.Header.Add(next(f.name), next(f.value))
	}
	return r, buf
}

func TestNewStdRequest(t *testing.T) {
	tests := []struct {
		name          string
		method        string
		target        string
		host          string
		fields        []field
		contentLength int64
		body          string

		wantURL      string // URL.String()
		wantPath     string
		wantRawQuery string
		wantScheme   string
		wantURLHost  string
		wantHeader   http.Header
		wantTE       []string
		wantTrailer  http.Header
	}{
		{
			name: "origin-form with escapes, query and repeated fields", method: "GET",
			target: "/a%20b/c?x=1&y=%41", host: "example.com",
			fields: []field{
				{"Host", "example.com"}, {"content-type", "text/plain"},
				{"X-MULTI", "1"}, {"x-multi", "2"}, {"x-custom-thing", "v"},
			},
			wantURL: "/a%20b/c?x=1&y=%41", wantPath: "/a b/c", wantRawQuery: "x=1&y=%41",
			wantHeader: http.Header{
				"Content-Type":   {"text/plain"},
				"X-Multi":        {"1", "2"},
				"X-Custom-Thing": {"v"},
			},
		},
		{
			name: "absolute-form keeps scheme and authority", method: "GET",
			target: "http://other.example:8080/p?q=1", host: "other.example:8080",
			fields:  []field{{"Host", "ignored.example"}},
			wantURL: "http://other.example:8080/p?q=1", wantPath: "/p", wantRawQuery: "q=1",
			wantScheme: "http", wantURLHost: "other.example:8080",
			wantHeader: http.Header{},
		},
		{
			name: "asterisk-form", method: "OPTIONS", target: "*", host: "example.com",
			wantURL: "*", wantPath: "*", wantHeader: http.Header{},
		},
		{
			name: "authority-form of CONNECT", method: "CONNECT", target: "example.com:443",
			host: "example.com:443", wantURL: "//example.com:443", wantURLHost: "example.com:443",
			wantHeader: http.Header{},
		},
		{
			name: "chunked body with announced trailer", method: "POST", target: "/upload",
			host: "example.com", contentLength: -1, body: "hello",
			fields: []field{
				{"Transfer-Encoding", "chunked"}, {"Trailer", "x-checksum, Server-Timing"},
				{"Content-Type", "text/plain"},
			},
			wantURL: "/upload", wantPath: "/upload",
			wantHeader:  http.Header{"Content-Type": {"text/plain"}},
			wantTE:      []string{"chunked"},
			wantTrailer: http.Header{"X-Checksum": nil, "Server-Timing": nil},
		},
		{
			name: "custom method and long unknown field name", method: "PROPFIND", target: "/dav",
			host: "example.com", contentLength: 3, body: "abc",
			fields:  []field{{"x-" + strings.Repeat("very-long-", 8) + "name", "1"}},
			wantURL: "/dav", wantPath: "/dav",
			wantHeader: http.Header{"X-" + strings.Repeat("Very-Long-", 8) + "Name": {"1"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, buf := serverRequest(tt.method, tt.target, tt.host, tt.fields, tt.contentLength, tt.body)
			req, err := NewStdRequest(r)
			if err != nil {
				t.Fatalf("NewStdRequest: %v", err)
			}
			// The server reuses its buffers once the handler returns:
			// nothing in req may alias them.
			for i := range buf {
				buf[i] = '#'
			}
			if req.Method != tt.method {
				t.Errorf("Method = %q, want %q", req.Method, tt.method)
			}
			if got := req.URL.String(); got != tt.wantURL {
				t.Errorf("URL = %q, want %q", got, tt.wantURL)
			}
			if req.URL.Path != tt.wantPath || req.URL.RawQuery != tt.wantRawQuery {
				t.Errorf("URL path, query = %q, %q; want %q, %q", req.URL.Path, req.URL.RawQuery, tt.wantPath, tt.wantRawQuery)
			}
			if req.URL.Scheme != tt.wantScheme || req.URL.Host != tt.wantURLHost {
				t.Errorf("URL scheme, host = %q, %q; want %q, %q", req.URL.Scheme, req.URL.Host, tt.wantScheme, tt.wantURLHost)
			}
			if req.RequestURI != tt.target {
				t.Errorf("RequestURI = %q, want %q", req.RequestURI, tt.target)
			}
			if req.Host != tt.host {
				t.Errorf("Host = %q, want %q", req.Host, tt.host)
			}
			if req.Proto != "HTTP/1.1" || req.ProtoMajor != 1 || req.ProtoMinor != 1 {
				t.Errorf("Proto = %q %d.%d", req.Proto, req.ProtoMajor, req.ProtoMinor)
			}
			if req.RemoteAddr != "203.0.113.9:4711" {
				t.Errorf("RemoteAddr = %q", req.RemoteAddr)
			}
			if !reflect.DeepEqual(req.Header, tt.wantHeader) {
				t.Errorf("Header = %v, want %v", req.Header, tt.wantHeader)
			}
			if !reflect.DeepEqual(req.TransferEncoding, tt.wantTE) {
				t.Errorf("TransferEncoding = %v, want %v", req.TransferEncoding, tt.wantTE)
			}
			if !reflect.DeepEqual(req.Trailer, tt.wantTrailer) && !(len(req.Trailer) == 0 && len(tt.wantTrailer) == 0) {
				t.Errorf("Trailer = %v, want %v", req.Trailer, tt.wantTrailer)
			}
			if req.ContentLength != tt.contentLength {
				t.Errorf("ContentLength = %d, want %d", req.ContentLength, tt.contentLength)
			}
			if tt.contentLength == 0 && req.Body != http.NoBody {
				t.Errorf("Body = %T, want http.NoBody", req.Body)
			}
			body, err := io.ReadAll(req.Body)
			if err != nil || string(body) != tt.body {
				t.Errorf("Body = %q, %v; want %q", body, err, tt.body)
			}
			if err := req.Body.Close(); err != nil {
				t.Errorf("Body.Close: %v", err)
			}
		})
	}
}

func TestNewStdRequestCloseAndProto(t *testing.T) {
	r := &httpserver.Request{
		Method: "GET", Target: "/", Proto: "HTTP/1.0", ProtoMajor: 1, ProtoMinor: 0,
		Close: true, Body: http.NoBody, Pattern: "GET /{id}",
	}
	r.SetPathValue("id", "42")
	req, err := NewStdRequest(r)
	if err != nil {
		t.Fatal(err)
	}
	if !req.Close || req.Proto != "HTTP/1.0" || req.ProtoMinor != 0 {
		t.Errorf("Close, Proto = %v, %q %d.%d", req.Close, req.Proto, req.ProtoMajor, req.ProtoMinor)
	}
	if req.Pattern != "GET /{id}" || req.PathValue("id") != "42" {
		t.Errorf("Pattern, PathValue = %q, %q", req.Pattern, req.PathValue("id"))
	}
}

func TestNewStdRequestBadTarget(t *testing.T) {
	for _, target := range []string{"/%zz", "%", "http://[::1/"} {
		r, _ := serverRequest("GET", target, "example.com", nil, 0, "")
		_, err := NewStdRequest(r)
		if !errors.Is(err, ErrBadTarget) || !strings.Contains(err.Error(), `"`+target+`"`) {
			t.Errorf("target %q: err = %v, want ErrBadTarget quoting it", target, err)
		}
	}
}

func TestNewStdRequestContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	type key struct{}
	ctx = context.WithValue(ctx, key{}, "v")
	r, _ := serverRequest("GET", "/", "example.com", nil, 0, "")
	req, err := NewStdRequest(r.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if req.Context().Value(key{}) != "v" {
		t.Error("context values are not carried over")
	}
	if req.Context().Err() != nil {
		t.Fatal("context done too early")
	}
	cancel()
	<-req.Context().Done() // bounded: cancel() closes it at once
}

func TestNewStdRequestTrailerAfterEOF(t *testing.T) {
	r, _ := serverRequest("POST", "/", "example.com",
		[]field{{"Transfer-Encoding", "chunked"}, {"Trailer", "X-Checksum"}}, -1, "0123456789")
	// The server fills Trailer when the body reaches EOF.
	r.Trailer.Add("x-checksum", "abc")
	r.Trailer.Add("X-Checksum", "def")
	req, err := NewStdRequest(r)
	if err != nil {
		t.Fatal(err)
	}
	shallow := req.WithContext(context.Background())
	if v := req.Trailer["X-Checksum"]; v != nil {
		t.Fatalf("trailer before EOF = %v, want nil values", v)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(req.Body, buf); err != nil {
		t.Fatal(err)
	}
	if v := req.Trailer["X-Checksum"]; v != nil {
		t.Fatalf("trailer before EOF = %v, want nil values", v)
	}
	if _, err := io.ReadAll(req.Body); err != nil {
		t.Fatal(err)
	}
	want := []string{"abc", "def"}
	if got := req.Trailer["X-Checksum"]; !reflect.DeepEqual(got, want) {
		t.Errorf("trailer after EOF = %v, want %v", got, want)
	}
	if got := shallow.Trailer["X-Checksum"]; !reflect.DeepEqual(got, want) {
		t.Errorf("trailer via WithContext copy = %v, want %v", got, want)
	}
	// A second EOF does not add the values again.
	if n, err := req.Body.Read(buf); n != 0 || err != io.EOF {
		t.Errorf("Read after EOF = %d, %v", n, err)
	}
	if got := req.Trailer["X-Checksum"]; len(got) != 2 {
		t.Errorf("trailer after second EOF = %v", got)
	}
}

func TestNewStdRequestBodyErrorsBridge(t *testing.T) {
	r, _ := serverRequest("POST", "/", "example.com", nil, 10, "")
	r.Body = io.NopCloser(errReader{httpserver.ErrBodyReadAfterClose})
	req, err := NewStdRequest(r)
	if err != nil {
		t.Fatal(err)
	}
	_, err = req.Body.Read(make([]byte, 1))
	if !errors.Is(err, http.ErrBodyReadAfterClose) || !errors.Is(err, httpserver.ErrBodyReadAfterClose) {
		t.Errorf("err = %v, want both ErrBodyReadAfterClose", err)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestCanonicalKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"content-type", "Content-Type"},
		{"CONTENT-LENGTH", "Content-Length"},
		{"x-request-id", "X-Request-Id"},
		{"sec-websocket-key", "Sec-Websocket-Key"},
		{"x-my_field", "X-My_field"},
		{"bad name", "bad name"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := canonicalKey(tt.in); got != tt.want {
			t.Errorf("canonicalKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got, std := canonicalKey(tt.in), http.CanonicalHeaderKey(tt.in); got != std {
			t.Errorf("canonicalKey(%q) = %q, net/http says %q", tt.in, got, std)
		}
	}
}

func BenchmarkNewStdRequest(b *testing.B) {
	r, _ := serverRequest("GET", "/api/users/42?verbose=1", "example.com", []field{
		{"Host", "example.com"}, {"User-Agent", "bench/1.0"}, {"Accept", "*/*"},
		{"Accept-Encoding", "gzip"}, {"X-Request-Id", "abc123"},
	}, 0, "")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewStdRequest(r); err != nil {
			b.Fatal(err)
		}
	}
}
