package nethttp

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/rawsock/httpserver/internal/testutil/clients"
)

// TestWrapOverH2C: a net/http handler served through the bridge over
// HTTP/2 with prior knowledge sees an HTTP/2 request, reads its body and
// trailers, streams with Flush, sends trailers, and gets an error (not a
// connection) from Hijack.
func TestWrapOverH2C(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Seen", r.Proto+" "+r.Method+" "+r.RequestURI+" "+r.Trailer.Get("X-Client-Sum"))
		w.Write(body)
	})
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Checksum")
		io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		io.WriteString(w, "second\n")
		w.Header().Set("X-Checksum", "c0ffee")
	})
	mux.HandleFunc("/hijack", func(w http.ResponseWriter, r *http.Request) {
		_, _, err := http.NewResponseController(w).Hijack()
		io.WriteString(w, err.Error()+" "+strconv.FormatBool(errors.Is(err, http.ErrNotSupported)))
	})
	base := serveOwn(t, mux)
	c := clients.H2C(t)

	pr, pw := io.Pipe()
	req, _ := http.NewRequest("PUT", base+"/echo?q=1", pr)
	req.Trailer = http.Header{"X-Client-Sum": nil}
	go func() {
		io.WriteString(pw, "payload")
		req.Trailer.Set("X-Client-Sum", "99")
		pw.Close()
	}()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.ProtoMajor != 2 || string(b) != "payload" || resp.Header.Get("X-Seen") != "HTTP/2.0 PUT /echo?q=1 99" {
		t.Errorf("/echo: %s %q %q", resp.Proto, b, resp.Header.Get("X-Seen"))
	}

	resp, err = c.Get(base + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "first\nsecond\n" || resp.Trailer.Get("X-Checksum") != "c0ffee" {
		t.Errorf("/stream: %q trailer %v", b, resp.Trailer)
	}

	resp, err = c.Get(base + "/hijack")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasSuffix(string(b), " true") {
		t.Errorf("/hijack: %d %q, want an ErrNotSupported error", resp.StatusCode, b)
	}
}
