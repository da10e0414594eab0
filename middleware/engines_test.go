package middleware

import (
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/testutil/syncbuf"
	"github.com/rawsock/httpserver/router"
)

// TestPipelineOnEveryEngine runs the default pipeline on each connection
// engine of the server: IDs, compression, trailers, panics, streaming and
// metrics must behave the same.
func TestPipelineOnEveryEngine(t *testing.T) {
	for _, eng := range []httpserver.Engine{httpserver.EngineGoroutine, httpserver.EnginePool, httpserver.EngineEpoll} {
		t.Run(string(eng), func(t *testing.T) {
			var logBuf syncbuf.Buffer
			p, err := NewPipeline(PipelineOptions{Logger: jsonLogger(&syncbuf.Buffer{}), AccessLog: AccessLogOptions{Logger: jsonLogger(&logBuf)}})
			if err != nil {
				t.Fatal(err)
			}
			rt := router.New()
			rt.Get("/doc", func(w httpserver.ResponseWriter, r *httpserver.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.WriteString(bigText)
			})
			rt.Post("/sum", func(w httpserver.ResponseWriter, r *httpserver.Request) {
				io.Copy(io.Discard, r.Body)
				w.WriteString("sum=" + r.Trailer.Get("X-Sum"))
			})
			rt.Get("/panic", func(w httpserver.ResponseWriter, r *httpserver.Request) { panic("x") })
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			srv := &httpserver.Server{Handler: p.Wrap(rt), Engine: eng, Logger: slog.New(slog.DiscardHandler)}
			p.Metrics.SetServer(srv)
			done := make(chan struct{})
			go func() { defer close(done); srv.Serve(ln) }()
			defer func() { srv.Close(); <-done; p.Close() }()
			base := "http://" + ln.Addr().String()
			c := client(t)

			resp, body := do(t, c, "GET", base+"/doc", nil, nil)
			if resp.StatusCode != 200 || body != bigText || !resp.Uncompressed || len(resp.Header.Get("X-Request-ID")) != 26 {
				t.Errorf("/doc: %d uncompressed=%v %v", resp.StatusCode, resp.Uncompressed, resp.Header)
			}
			out := rawExchange(t, base, "POST /sum HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\nhi\r\n0\r\nX-Sum: 7\r\n\r\n")
			if !strings.HasSuffix(out, "sum=7") {
				t.Errorf("/sum: %q", out)
			}
			if resp, _ := do(t, c, "GET", base+"/panic", nil, nil); resp.StatusCode != 500 {
				t.Errorf("/panic: %d", resp.StatusCode)
			}
			_, body = do(t, c, "GET", base+"/metrics", nil, nil)
			for _, want := range []string{`route="/doc",status="200"} 1`, `route="/sum",status="200"} 1`, "http_requests_panicked_total 1", "http_open_connections 1"} {
				if !strings.Contains(body, want) {
					t.Errorf("metrics lack %q:\n%s", want, body)
				}
			}
		})
	}
}
