//lint:file-ignore SA1019 x/net v0.62 deprecates its http2.Transport in favour of net/http's; the x/net client is used on purpose, as an HTTP/2 implementation independent of the server.

package interop

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	chimw "github.com/go-chi/chi/v5/middleware"
	"golang.org/x/net/http2"

	h2 "github.com/rawsock/httpserver/internal/http2"
	"github.com/rawsock/httpserver/internal/http2/h2test"
	"github.com/rawsock/httpserver/nethttp"
)

// startH2 runs internal/http2 on a loopback port with the h2test handler
// and returns an x/net/http2 client speaking h2c by prior knowledge.
func startH2(t *testing.T, cfg *h2.Config) (*h2test.Server, *http.Client) {
	t.Helper()
	srv, err := h2test.Start("", cfg, h2test.Handler)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http2.Transport{
		AllowHTTP: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return srv, &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

func TestHTTP2XNetClient(t *testing.T) {
	srv, client := startH2(t, nil)
	base := "http://" + srv.Addr()
	tests := []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		{"get", "GET", "/hello?x=1", "", 200, "hello, GET /hello?x=1"},
		{"post echo", "POST", "/echo", "ping pong", 200, "ping pong"},
		{"big", "GET", "/big?n=1000000", "", 200, strings.Repeat("x", 1000000)},
		{"status", "GET", "/status?c=404", "", 404, ""},
		{"large upload", "POST", "/echo", strings.Repeat("y", 3<<20), 200, strings.Repeat("y", 3<<20)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, base+tt.path, strings.NewReader(tt.body))
			if tt.body == "" {
				req.Body = nil
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status || string(b) != tt.want || resp.ProtoMajor != 2 {
				t.Fatalf("got %d %s, %d bytes; want %d, %d bytes", resp.StatusCode, resp.Proto, len(b), tt.status, len(tt.want))
			}
		})
	}
}

// Many requests at once on one connection: the x/net client multiplexes
// them as concurrent streams.
func TestHTTP2XNetConcurrent(t *testing.T) {
	srv, client := startH2(t, nil)
	base := "http://" + srv.Addr()
	const n = 200
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			resp, err := client.Post(base+"/echo", "text/plain", strings.NewReader(strings.Repeat("z", 10000)))
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err == nil && len(b) != 10000 {
				err = io.ErrUnexpectedEOF
			}
			errs <- err
		}()
	}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// Trailers both ways: the echo handler returns the request trailers as
// response trailers.
func TestHTTP2XNetTrailers(t *testing.T) {
	srv, client := startH2(t, nil)
	req, _ := http.NewRequest("POST", "http://"+srv.Addr()+"/echo", io.MultiReader(strings.NewReader("body")))
	req.Trailer = http.Header{"X-Checksum": nil}
	req.ContentLength = -1
	go func() {}()
	req.Body = io.NopCloser(&trailerSetter{r: strings.NewReader("body"), req: req})
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "body" || resp.Trailer.Get("X-Checksum") != "c0ffee" {
		t.Fatalf("body %q trailers %v", b, resp.Trailer)
	}
}

// trailerSetter fills the request trailer when the body ends, as
// net/http's documentation describes.
type trailerSetter struct {
	r   io.Reader
	req *http.Request
}

func (ts *trailerSetter) Read(p []byte) (int, error) {
	n, err := ts.r.Read(p)
	if err == io.EOF {
		ts.req.Trailer.Set("X-Checksum", "c0ffee")
	}
	return n, err
}

// Large bodies both ways go through without stalling: flow control keeps
// the windows moving. The size is HTTPSERVER_H2_BIG_MIB (default 64).
func TestHTTP2XNetLargeBodies(t *testing.T) {
	mib := 64
	if v, err := strconv.Atoi(os.Getenv("HTTPSERVER_H2_BIG_MIB")); err == nil && v > 0 {
		mib = v
	}
	size := int64(mib) << 20
	srv, client := startH2(t, nil)
	base := "http://" + srv.Addr()

	start := time.Now()
	resp, err := client.Get(base + "/big?n=" + strconv.FormatInt(size, 10))
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || n != size {
		t.Fatalf("download: %d octets, %v", n, err)
	}
	t.Logf("download %d MiB in %v", mib, time.Since(start))

	start = time.Now()
	resp, err = client.Post(base+"/echo", "application/octet-stream", io.LimitReader(zeros{}, size))
	if err != nil {
		t.Fatal(err)
	}
	n, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || n != size {
		t.Fatalf("upload echoed %d octets, %v", n, err)
	}
	t.Logf("upload+echo %d MiB in %v", mib, time.Since(start))
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// A download running when the server shuts down completes: GOAWAY, then the
// open stream finishes, then the connection closes.
func TestHTTP2XNetShutdownFinishesDownload(t *testing.T) {
	srv, client := startH2(t, nil)
	resp, err := client.Get("http://" + srv.Addr() + "/big?n=" + strconv.Itoa(32<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 1<<16)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		done <- srv.Shutdown(ctx)
	}()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || n+int64(len(buf)) != 32<<20 {
		t.Fatalf("download after Shutdown: %d octets, %v", n+int64(len(buf)), err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// Requests cancelled by the client (RST_STREAM CANCEL from x/net) end
// their handlers through Stream.Done, and the connection keeps serving.
func TestHTTP2XNetCancel(t *testing.T) {
	srv, client := startH2(t, nil)
	base := "http://" + srv.Addr()
	errs := make(chan error, 50)
	for i := 0; i < 50; i++ {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", base+"/wait", nil)
			resp, err := client.Do(req)
			if err == nil {
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			errs <- err
		}()
	}
	for i := 0; i < 50; i++ {
		if err := <-errs; err == nil {
			t.Error("a /wait request ended without being cancelled")
		}
	}
	resp, err := client.Get(base + "/after")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "hello, GET /after" {
		t.Fatalf("%q", b)
	}
}

// TestServerOverH2CXNetClient: the Server's HTTP/2 adapter, with a chi
// router behind the net/http bridge, answers x/net's HTTP/2 client over
// h2c: path parameters, request bodies both ways, chi's middleware.
func TestServerOverH2CXNetClient(t *testing.T) {
	r := chi.NewRouter()
	r.Use(chimw.RequestID)
	r.Get("/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Proto+" user="+chi.URLParam(r, "id")+" reqid="+strconv.FormatBool(chimw.GetReqID(r.Context()) != ""))
	})
	r.Post("/echo", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(w, r.Body)
	})
	base := serve(t, nethttp.Wrap(r))
	tr := &http2.Transport{
		AllowHTTP: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
	t.Cleanup(tr.CloseIdleConnections)
	c := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	for _, tt := range []struct{ method, path, body, want string }{
		{"GET", "/users/7", "", "HTTP/2.0 user=7 reqid=true"},
		{"POST", "/echo", strings.Repeat("z", 1<<20), strings.Repeat("z", 1<<20)},
	} {
		req, _ := http.NewRequest(tt.method, base+tt.path, strings.NewReader(tt.body))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.ProtoMajor != 2 || string(b) != tt.want {
			t.Errorf("%s %s: %s %.60q", tt.method, tt.path, resp.Proto, b)
		}
	}
}
