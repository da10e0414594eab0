package middleware

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/testserver"
	"github.com/rawsock/httpserver/internal/testutil/clients"
	"github.com/rawsock/httpserver/internal/testutil/syncbuf"
	"github.com/rawsock/httpserver/router"
)

// TestPipelineOverH2C runs the default pipeline over HTTP/2 with prior
// knowledge: request IDs, compression, request trailers, a panic answered
// 500, and the access log's proto.
func TestPipelineOverH2C(t *testing.T) {
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
	addr, _ := testserver.Start(t, p.Wrap(rt))
	base := "http://" + addr
	c := clients.H2C(t)

	resp, body := do(t, c, "GET", base+"/doc", nil, nil)
	if resp.ProtoMajor != 2 || resp.StatusCode != 200 || body != bigText || !resp.Uncompressed || len(resp.Header.Get("X-Request-ID")) != 26 {
		t.Errorf("/doc: %s %d uncompressed=%v %v", resp.Proto, resp.StatusCode, resp.Uncompressed, resp.Header)
	}
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", base+"/sum", pr)
	req.Trailer = http.Header{"X-Sum": nil}
	go func() {
		pw.Write([]byte("hi"))
		req.Trailer.Set("X-Sum", "7")
		pw.Close()
	}()
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "sum=7" {
		t.Errorf("/sum: %q", b)
	}
	if resp, _ := do(t, c, "GET", base+"/panic", nil, nil); resp.StatusCode != 500 {
		t.Errorf("/panic: %d", resp.StatusCode)
	}
	if err := p.Close(); err != nil { // flushes the access log
		t.Fatal(err)
	}
	if !strings.Contains(logBuf.String(), `"proto":"HTTP/2.0"`) {
		t.Errorf("access log lacks the HTTP/2 proto:\n%s", logBuf.String())
	}
}
