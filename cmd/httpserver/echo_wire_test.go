package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// echoReport mirrors the JSON of /api/echo.
type echoReport struct {
	Method     string              `json:"method"`
	Target     string              `json:"target"`
	Path       string              `json:"path"`
	Query      map[string][]string `json:"query"`
	Proto      string              `json:"proto"`
	Host       string              `json:"host"`
	Headers    map[string][]string `json:"headers"`
	Body       string              `json:"body"`
	BodyLength int                 `json:"body_length"`
	Trailers   map[string][]string `json:"trailers"`
}

func decodeEcho(t *testing.T, r io.Reader) echoReport {
	t.Helper()
	var rep echoReport
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("decoding the echo report: %v", err)
	}
	return rep
}

// TestEchoOverTheWire checks /api/echo through the real server: raw
// requests for exact bytes, net/http for an independent client.
func TestEchoOverTheWire(t *testing.T) {
	addr, stop, status, _ := runInProcess(t, []string{"--addr=127.0.0.1:0", "--max-body-bytes=1KiB"}, nil)

	t.Run("raw chunked with trailers", func(t *testing.T) {
		c, err := net.DialTimeout("tcp", addr, wait)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(wait))
		io.WriteString(c, "PUT /api/echo/a%20b/%C3%A9?x=1&x=2&y=a+b HTTP/1.1\r\n"+
			"Host: example.test\r\nX-Dup: 1\r\nx-dup: 2\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"+
			"5\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 42\r\nX-Sum: 43\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		rep := decodeEcho(t, resp.Body)
		want := echoReport{
			Method: "PUT", Target: "/api/echo/a%20b/%C3%A9?x=1&x=2&y=a+b", Path: "/api/echo/a b/é",
			Query: map[string][]string{"x": {"1", "2"}, "y": {"a b"}}, Proto: "HTTP/1.1", Host: "example.test",
			Headers: map[string][]string{"Host": {"example.test"}, "X-Dup": {"1"}, "x-dup": {"2"},
				"Transfer-Encoding": {"chunked"}, "Trailer": {"X-Sum"}},
			Body: "hello world", BodyLength: 11,
			Trailers: map[string][]string{"X-Sum": {"42", "43"}},
		}
		if !reflect.DeepEqual(rep, want) {
			t.Errorf("got  %+v\nwant %+v", rep, want)
		}
	})

	t.Run("net/http client", func(t *testing.T) {
		body := strings.NewReader("from net/http")
		req, err := http.NewRequest("POST", "http://"+addr+"/api/echo?q=%E2%82%AC", io.NopCloser(body))
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = -1 // chunked, so that trailers can follow
		req.Trailer = http.Header{"X-Digest": {"abc"}}
		req.Header.Add("X-Multi", "a")
		req.Header.Add("X-Multi", "b")
		resp, err := newClient(t).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		rep := decodeEcho(t, resp.Body)
		if rep.Body != "from net/http" || !reflect.DeepEqual(rep.Query, map[string][]string{"q": {"€"}}) ||
			!reflect.DeepEqual(rep.Headers["X-Multi"], []string{"a", "b"}) ||
			!reflect.DeepEqual(rep.Trailers, map[string][]string{"X-Digest": {"abc"}}) {
			t.Errorf("report %+v", rep)
		}
	})

	t.Run("body over the limit", func(t *testing.T) {
		resp, err := newClient(t).Post("http://"+addr+"/api/echo", "text/plain", io.NopCloser(strings.NewReader(strings.Repeat("x", 2048))))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 413 {
			t.Errorf("status %d, want 413", resp.StatusCode)
		}
	})

	stop()
	if code := status(); code != 0 {
		t.Errorf("status %d", code)
	}
}
