package demo

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/httpservertest"
)

func serveEcho(t *testing.T, r *httpserver.Request) (int, string) {
	t.Helper()
	rec := httpservertest.NewRecorder()
	Handler(Options{Demo: true}).ServeHTTP(rec, r)
	code, hdr, body := rec.Result()
	if code == 200 && hdr.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type = %q", hdr.Get("Content-Type"))
	}
	return code, body
}

func TestEchoExact(t *testing.T) {
	r := httpservertest.NewRequest("POST", "/api/echo?a=1&b=<x>&a=2", strings.NewReader("hello & <bye>"))
	r.Header.Add("X-Multi", "one")
	r.Header.Add("x-multi", "case kept")
	r.Header.Add("X-Multi", "two")
	code, body := serveEcho(t, r)
	want := `{"method":"POST","target":"/api/echo?a=1&b=<x>&a=2","path":"/api/echo",` +
		`"query":{"a":["1","2"],"b":["<x>"]},"proto":"HTTP/1.1","host":"example.com",` +
		`"headers":{"Host":["example.com"],"X-Multi":["one","two"],"x-multi":["case kept"]},` +
		`"body":"hello & <bye>","body_length":13,"trailers":{}}` + "\n"
	if code != 200 || body != want {
		t.Errorf("got %d\n%s\nwant\n%s", code, body, want)
	}
}

func TestEchoCases(t *testing.T) {
	cases := []struct {
		name   string
		method string
		target string
		body   string
		check  func(t *testing.T, rep echoReport)
	}{
		{"percent-decoded path", "GET", "/api/echo/a%20b/%E2%82%AC", "", func(t *testing.T, rep echoReport) {
			if rep.Path != "/api/echo/a b/€" || rep.Target != "/api/echo/a%20b/%E2%82%AC" {
				t.Errorf("path %q target %q", rep.Path, rep.Target)
			}
		}},
		{"query decoding", "GET", "/api/echo?q=a+b%26c&empty=&flag&%F0%9F%98%80=smile", "", func(t *testing.T, rep echoReport) {
			want := map[string][]string{"q": {"a b&c"}, "empty": {""}, "flag": {""}, "😀": {"smile"}}
			if !reflect.DeepEqual(rep.Query, want) {
				t.Errorf("query = %v, want %v", rep.Query, want)
			}
		}},
		{"repeated keys keep order", "GET", "/api/echo?k=3&k=1&k=2", "", func(t *testing.T, rep echoReport) {
			if got := rep.Query["k"]; !reflect.DeepEqual(got, []string{"3", "1", "2"}) {
				t.Errorf("k = %v", got)
			}
		}},
		{"absolute-form", "GET", "http://other.example:8080/api/echo", "", func(t *testing.T, rep echoReport) {
			if rep.Host != "other.example:8080" || rep.Path != "/api/echo" || rep.Target != "http://other.example:8080/api/echo" {
				t.Errorf("host %q path %q target %q", rep.Host, rep.Path, rep.Target)
			}
		}},
		{"any method", "DELETE", "/api/echo", "", func(t *testing.T, rep echoReport) {
			if rep.Method != "DELETE" || rep.Body != "" || rep.BodyLength != 0 {
				t.Errorf("rep = %+v", rep)
			}
		}},
		{"binary body", "PUT", "/api/echo", "a\x00\xffb", func(t *testing.T, rep echoReport) {
			if rep.BodyLength != 4 || rep.Body != "a\x00\uFFFDb" {
				t.Errorf("body %q length %d", rep.Body, rep.BodyLength)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			code, out := serveEcho(t, httpservertest.NewRequest(tc.method, tc.target, body))
			if code != 200 {
				t.Fatalf("status %d: %s", code, out)
			}
			var rep echoReport
			dec := json.NewDecoder(strings.NewReader(out))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&rep); err != nil {
				t.Fatalf("decode %s: %v", out, err)
			}
			tc.check(t, rep)
		})
	}
}

// trailerBody mimics the server's chunked body: the trailer fields appear
// on the request once the body has been read to EOF.
type trailerBody struct {
	r    *httpserver.Request
	data io.Reader
}

func (b *trailerBody) Read(p []byte) (int, error) {
	n, err := b.data.Read(p)
	if err == io.EOF {
		b.r.Trailer.Add("X-Checksum", "abc")
		b.r.Trailer.Add("X-Checksum", "def")
		b.r.Trailer.Add("Expires", "never")
	}
	return n, err
}
func (b *trailerBody) Close() error { return nil }

func TestEchoTrailers(t *testing.T) {
	r := httpservertest.NewRequest("POST", "/api/echo", nil)
	r.ContentLength = -1
	r.Header.Set("Transfer-Encoding", "chunked")
	r.Header.Set("Trailer", "X-Checksum, Expires")
	r.Body = &trailerBody{r: r, data: strings.NewReader("chunky")}
	code, out := serveEcho(t, r)
	var rep echoReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 200 {
		t.Fatalf("%d %s %v", code, out, err)
	}
	want := map[string][]string{"X-Checksum": {"abc", "def"}, "Expires": {"never"}}
	if !reflect.DeepEqual(rep.Trailers, want) || rep.Body != "chunky" {
		t.Errorf("trailers = %v body = %q", rep.Trailers, rep.Body)
	}
}

// failingBody fails after some bytes, as the server's body does when the
// client breaks a limit or the framing.
type failingBody struct{ err error }

func (b failingBody) Read(p []byte) (int, error) { return 0, b.err }
func (b failingBody) Close() error               { return nil }

func TestEchoBodyErrors(t *testing.T) {
	cases := []struct {
		err  error
		code int
	}{
		{fmt.Errorf("reading: %w", httpserver.ErrBodyTooLarge), 413},
		{httpserver.ErrMalformedBody, 400},
		{&httpserver.ProtocolError{Status: 408, Reason: "slow"}, 408},
		{errors.New("connection reset"), 500},
	}
	for _, tc := range cases {
		r := httpservertest.NewRequest("POST", "/api/echo", nil)
		r.Body = failingBody{tc.err}
		code, out := serveEcho(t, r)
		if code != tc.code || out != httpserver.StatusText(tc.code)+"\n" {
			t.Errorf("%v: got %d %q, want %d", tc.err, code, out, tc.code)
		}
	}
}

// TestWriteJSONFailure checks that a value JSON cannot encode answers 500.
func TestWriteJSONFailure(t *testing.T) {
	rec := httpservertest.NewRecorder()
	writeJSON(rec, 200, func() {})
	if code, _, _ := rec.Result(); code != 500 {
		t.Errorf("status %d, want 500", code)
	}
}
