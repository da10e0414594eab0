package interop

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/nethttp"
)

// benchHandler is a typical small net/http handler: it reads a query
// parameter and a header, sets two fields and writes a short body.
var benchHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	name := r.URL.Query().Get("name")
	if r.Header.Get("Accept") == "" {
		name = "?"
	}
	io.WriteString(w, "hello, ")
	io.WriteString(w, name)
})

// benchRequest is what the raw client sends, one at a time, on one
// keep-alive connection.
const benchRequest = "GET /hello?name=gopher HTTP/1.1\r\n" +
	"Host: 127.0.0.1\r\n" +
	"User-Agent: interop-bench/1.0\r\n" +
	"Accept: */*\r\n" +
	"Accept-Encoding: gzip\r\n" +
	"\r\n"

// rawClient is a minimal HTTP/1.1 client over one TCP connection: it sends
// a request, reads the response head and a Content-Length body, and
// pipelines nothing. It is the same for both servers.
type rawClient struct {
	c  net.Conn
	br *bufio.Reader
}

func dialRaw(tb testing.TB, addr string) *rawClient {
	tb.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	return &rawClient{c: c, br: bufio.NewReaderSize(c, 4096)}
}

var errBadResponse = errors.New("bench: unexpected response")

// do sends one request and returns the body length.
func (rc *rawClient) do(req string) (int, error) {
	if _, err := io.WriteString(rc.c, req); err != nil {
		return 0, err
	}
	length := -1
	first := true
	for {
		line, err := rc.br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if first {
			if !bytes.HasPrefix(line, []byte("HTTP/1.1 200 ")) {
				return 0, errBadResponse
			}
			first = false
			continue
		}
		if len(line) <= 2 {
			break
		}
		if v, ok := bytes.CutPrefix(line, []byte("Content-Length: ")); ok {
			n, err := strconv.Atoi(string(bytes.TrimSpace(v)))
			if err != nil {
				return 0, err
			}
			length = n
		}
	}
	if length < 0 {
		return 0, errBadResponse
	}
	_, err := rc.br.Discard(length)
	return length, err
}

func listenLoopback(tb testing.TB) net.Listener {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

// startOwn serves h with httpserver and returns its address.
func startOwn(tb testing.TB, h httpserver.Handler) string {
	tb.Helper()
	base := serve(tb, h)
	return base[len("http://"):]
}

// startStd serves h with net/http's own server and returns its address.
func startStd(tb testing.TB, h http.Handler) string {
	tb.Helper()
	l := listenLoopback(tb)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
	})
	return l.Addr().String()
}

func runBench(b *testing.B, addr string) {
	rc := dialRaw(b, addr)
	if n, err := rc.do(benchRequest); err != nil || n != len("hello, gopher") {
		b.Fatalf("warm-up: %d, %v", n, err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := rc.do(benchRequest); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	rc.c.Close()
}

// BenchmarkWrapped serves benchHandler through nethttp.Wrap on httpserver.
func BenchmarkWrapped(b *testing.B) {
	runBench(b, startOwn(b, nethttp.Wrap(benchHandler)))
}

// BenchmarkNetHTTP serves the same benchHandler on net/http's own server.
func BenchmarkNetHTTP(b *testing.B) {
	runBench(b, startStd(b, benchHandler))
}

// BenchmarkNative serves the equivalent handler written for httpserver,
// without the bridge, for reference.
func BenchmarkNative(b *testing.B) {
	h := httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		name := r.Query().Get("name")
		if r.Header.Get("Accept") == "" {
			name = "?"
		}
		w.WriteString("hello, ")
		w.WriteString(name)
	})
	runBench(b, startOwn(b, h))
}

// TestBenchClient checks the benchmark's raw client and both servers
// answer benchRequest the same way, so the benchmarks compare like with
// like.
func TestBenchClient(t *testing.T) {
	for name, addr := range map[string]string{
		"wrapped":  startOwn(t, nethttp.Wrap(benchHandler)),
		"net/http": startStd(t, benchHandler),
	} {
		rc := dialRaw(t, addr)
		for i := range 3 {
			n, err := rc.do(benchRequest)
			if err != nil || n != len("hello, gopher") {
				t.Errorf("%s request %d: %d, %v", name, i, n, err)
			}
		}
	}
}
