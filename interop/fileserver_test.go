package interop

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver/nethttp"
)

func TestFileServer(t *testing.T) {
	dir := t.TempDir()
	content := strings.Repeat("0123456789", 10000) // 100 kB, beyond any buffer
	path := filepath.Join(dir, "data.txt")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	mtime := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte("<h1>home</h1>"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := serve(t, nethttp.Wrap(http.FileServer(http.Dir(dir))))
	c := newClient(t)

	t.Run("whole file", func(t *testing.T) {
		res, body := get(t, c, mustRequest(t, "GET", base+"/data.txt", nil))
		if res.StatusCode != 200 || body != content || res.ContentLength != int64(len(content)) {
			t.Errorf("%d, %d bytes, Content-Length %d", res.StatusCode, len(body), res.ContentLength)
		}
		if res.Header.Get("Last-Modified") != mtime.Format(http.TimeFormat) || res.Header.Get("Accept-Ranges") != "bytes" {
			t.Errorf("header %v", res.Header)
		}
	})
	t.Run("range", func(t *testing.T) {
		req := mustRequest(t, "GET", base+"/data.txt", nil)
		req.Header.Set("Range", "bytes=1000-1099")
		res, body := get(t, c, req)
		if res.StatusCode != 206 || body != content[1000:1100] {
			t.Errorf("%d %q", res.StatusCode, body)
		}
		if got := res.Header.Get("Content-Range"); got != "bytes 1000-1099/100000" {
			t.Errorf("Content-Range %q", got)
		}
	})
	t.Run("large range", func(t *testing.T) {
		req := mustRequest(t, "GET", base+"/data.txt", nil)
		req.Header.Set("Range", "bytes=10-")
		res, body := get(t, c, req)
		if res.StatusCode != 206 || body != content[10:] {
			t.Errorf("%d, %d bytes", res.StatusCode, len(body))
		}
	})
	t.Run("if-modified-since", func(t *testing.T) {
		req := mustRequest(t, "GET", base+"/data.txt", nil)
		req.Header.Set("If-Modified-Since", mtime.Format(http.TimeFormat))
		res, body := get(t, c, req)
		if res.StatusCode != 304 || body != "" {
			t.Errorf("%d %q", res.StatusCode, body)
		}
		req.Header.Set("If-Modified-Since", mtime.Add(-time.Hour).Format(http.TimeFormat))
		if res, _ := get(t, c, req); res.StatusCode != 200 {
			t.Errorf("older If-Modified-Since: %d", res.StatusCode)
		}
	})
	t.Run("HEAD", func(t *testing.T) {
		res, body := get(t, c, mustRequest(t, "HEAD", base+"/data.txt", nil))
		if res.StatusCode != 200 || body != "" || res.ContentLength != int64(len(content)) {
			t.Errorf("%d %q %d", res.StatusCode, body, res.ContentLength)
		}
	})
	t.Run("index and redirect", func(t *testing.T) {
		res, body := get(t, c, mustRequest(t, "GET", base+"/", nil))
		if res.StatusCode != 200 || body != "<h1>home</h1>" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%d %q %v", res.StatusCode, body, res.Header)
		}
		noFollow := &http.Client{Transport: c.Transport, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
		res, _ = get(t, noFollow, mustRequest(t, "GET", base+"/index.html", nil))
		if res.StatusCode != 301 || res.Header.Get("Location") != "./" {
			t.Errorf("%d %v", res.StatusCode, res.Header)
		}
		res, _ = get(t, c, mustRequest(t, "GET", base+"/missing", nil))
		if res.StatusCode != 404 {
			t.Errorf("missing: %d", res.StatusCode)
		}
	})
}
