package static

import (
	"net/http"
	"testing"

	"github.com/rawsock/httpserver/internal/testutil/clients"
)

// TestH2C: files are served over HTTP/2 as over HTTP/1: a whole large
// file with its length (cached or not), a range, a conditional 304 and a
// HEAD without body.
func TestH2C(t *testing.T) {
	for _, mode := range cacheModes {
		t.Run(mode.name, func(t *testing.T) {
			root, data := bigFixture(t)
			h, err := Dir(root, &Options{Cache: mode.opts})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			url := "http://" + startServer(t, h) + "/big.bin"
			c := clients.H2C(t)
			c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

			resp, body := get(t, c, "GET", url)
			if resp.ProtoMajor != 2 || resp.StatusCode != 200 || body != string(data) || resp.ContentLength != int64(len(data)) {
				t.Fatalf("whole file: %s %d len %d cl %d", resp.Proto, resp.StatusCode, len(body), resp.ContentLength)
			}
			etag := resp.Header.Get("ETag")
			resp, body = get(t, c, "GET", url, "Range", "bytes=1000-1999")
			if resp.StatusCode != 206 || body != string(data[1000:2000]) {
				t.Errorf("range: %d len %d", resp.StatusCode, len(body))
			}
			resp, body = get(t, c, "GET", url, "If-None-Match", etag)
			if etag == "" || resp.StatusCode != 304 || body != "" {
				t.Errorf("If-None-Match %q: %d %q", etag, resp.StatusCode, body)
			}
			resp, body = get(t, c, "HEAD", url)
			if resp.StatusCode != 200 || body != "" || resp.ContentLength != int64(len(data)) {
				t.Errorf("HEAD: %d %q cl %d", resp.StatusCode, body, resp.ContentLength)
			}
		})
	}
}
