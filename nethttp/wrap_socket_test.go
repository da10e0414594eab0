package nethttp

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/testserver"
)

// serveOwn runs h on an httpserver.Server on a loopback port until the test
// ends, and returns its base URL.
func serveOwn(t *testing.T, h http.Handler) string {
	base, _ := serveOwnServer(t, h)
	return base
}

func serveOwnServer(t *testing.T, h http.Handler) (string, *httpserver.Server) {
	t.Helper()
	addr, srv := testserver.Start(t, Wrap(h))
	return "http://" + addr, srv
}

// TestWrapOverSocket serves net/http handlers on the real server and checks
// them with net/http's client, an independent implementation.
func TestWrapOverSocket(t *testing.T) {
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Checksum")
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		<-release // the client has read "first" before this returns
		io.WriteString(w, "second\n")
		w.Header().Set("X-Checksum", "c0ffee")
		w.Header().Set(http.TrailerPrefix+"X-Late", "late")
	})
	mux.HandleFunc("/hints", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</a.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		io.WriteString(w, "<p>final</p>")
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading body: %v", err)
		}
		w.Header().Set("X-Seen", r.Method+" "+r.RequestURI+" "+strings.Join(r.TransferEncoding, ",")+" "+r.Trailer.Get("X-Client-Sum"))
		w.Write(body)
	})
	base := serveOwn(t, mux)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}

	t.Run("flush streams and trailers arrive", func(t *testing.T) {
		res, err := client.Get(base + "/stream")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		br := bufio.NewReader(res.Body)
		if line, err := br.ReadString('\n'); line != "first\n" || err != nil {
			t.Fatalf("first line %q, %v", line, err)
		}
		close(release)
		rest, err := io.ReadAll(br)
		if string(rest) != "second\n" || err != nil {
			t.Errorf("rest %q, %v", rest, err)
		}
		want := http.Header{"X-Checksum": {"c0ffee"}, "X-Late": {"late"}}
		if !reflect.DeepEqual(res.Trailer, want) {
			t.Errorf("trailer = %v, want %v", res.Trailer, want)
		}
		if !reflect.DeepEqual(res.TransferEncoding, []string{"chunked"}) {
			t.Errorf("TransferEncoding = %v", res.TransferEncoding)
		}
	})
	t.Run("103 early hints", func(t *testing.T) {
		var hints []string
		trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
			hints = append(hints, http.StatusText(code)+" "+h.Get("Link"))
			return nil
		}}
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", base+"/hints", nil)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !reflect.DeepEqual(hints, []string{"Early Hints </a.css>; rel=preload"}) || string(body) != "<p>final</p>" {
			t.Errorf("hints %v, body %q", hints, body)
		}
		if got := res.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
			t.Errorf("sniffed Content-Type = %q", got)
		}
	})
	t.Run("chunked request body and its trailer", func(t *testing.T) {
		pr, pw := io.Pipe()
		req, _ := http.NewRequest("POST", base+"/echo?x=1", pr)
		req.Trailer = http.Header{"X-Client-Sum": nil}
		go func() {
			pw.Write([]byte("payload"))
			req.Trailer.Set("X-Client-Sum", "42")
			pw.Close()
		}()
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(body) != "payload" || res.Header.Get("X-Seen") != "POST /echo?x=1 chunked 42" {
			t.Errorf("body %q, seen %q", body, res.Header.Get("X-Seen"))
		}
	})
}

// TestWrapContextCancelledOnClose checks that the *http.Request's context
// ends when the server closes the connection forcibly.
func TestWrapContextCancelledOnClose(t *testing.T) {
	started := make(chan struct{})
	cancelled := make(chan error, 1)
	base, srv := serveOwnServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush()
		close(started)
		select {
		case <-r.Context().Done():
			cancelled <- r.Context().Err()
		case <-time.After(10 * time.Second):
			cancelled <- nil
		}
	}))
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
	<-started
	srv.Close()
	if err := <-cancelled; err != context.Canceled {
		t.Errorf("handler context: %v, want context.Canceled", err)
	}
}
