package interop

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"

	h2 "github.com/rawsock/httpserver/internal/http2"
	"github.com/rawsock/httpserver/internal/http2/h2test"
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
