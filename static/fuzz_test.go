package static

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/httpservertest"
)

// FuzzServeConditional serves arbitrary paths with arbitrary Range,
// If-Range, If-None-Match, If-Match and If-Modified-Since fields and checks
// the answer against the files: no panic; nothing from outside the root;
// a 200 carries the whole file, a 206 exactly the bytes its Content-Range
// names, a 304 no
// content, a 412 or 416 no part of the file. Seeds live in
// testdata/fuzz/FuzzServeConditional.
func FuzzServeConditional(f *testing.F) {
	root := fixture(f)
	h, err := Dir(root, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { h.Close() })
	etag := serve(f, h, "GET", "/digits.txt").HeaderMap.Get("ETag")
	f.Add("GET", "/digits.txt", "bytes=0-4", "", "", "", "")
	f.Add("GET", "/digits.txt", "bytes=-5,2-3", etag, "", "", "")
	f.Add("HEAD", "/digits.txt", "bytes=30-", "", etag, "", "")
	f.Add("GET", "/hello.txt", "", "", "W/"+etag, "", "Tue, 02 Jan 2024 03:04:05 GMT")
	f.Add("GET", "/../secret.txt", "bytes=0-", "", "", "*", "")
	f.Add("GET", "/sub/%2e%2e/%2e%2e/secret.txt", "", "Tue, 02 Jan 2024 03:04:05 GMT", "", `"x"`, "")
	f.Fuzz(func(t *testing.T, method, target, rng, ifRange, inm, im, ims string) {
		if method != "GET" && method != "HEAD" {
			return
		}
		if !strings.HasPrefix(target, "/") || strings.ContainsAny(target, "?#") || strings.ContainsFunc(target, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
			return
		}
		p, err := url.PathUnescape(target)
		if err != nil {
			return
		}
		r := httpservertest.NewRequest(method, "/", nil)
		r.Target, r.RawPath, r.Path = target, target, p
		for _, kv := range [][2]string{{"Range", rng}, {"If-Range", ifRange}, {"If-None-Match", inm}, {"If-Match", im}, {"If-Modified-Since", ims}} {
			if kv[1] != "" && !strings.ContainsAny(kv[1], "\r\n\x00") {
				r.Header.Add(kv[0], kv[1])
			}
		}
		w := serveRequest(h, r)
		body := w.Body.String()
		if strings.Contains(body, secretContent) {
			t.Fatalf("%s %q served a file outside the root", method, target)
		}
		switch w.Code {
		case httpserver.StatusOK:
		case httpserver.StatusPartialContent:
			cr := w.HeaderMap.Get("Content-Range")
			if cr == "" {
				if !strings.HasPrefix(w.HeaderMap.Get("Content-Type"), "multipart/byteranges; boundary=") {
					t.Fatalf("206 without Content-Range, type %q", w.HeaderMap.Get("Content-Type"))
				}
				return
			}
			var first, last, size int64
			if _, err := fmt.Sscanf(cr, "bytes %d-%d/%d", &first, &last, &size); err != nil || first < 0 || first > last || last >= size {
				t.Fatalf("206 Content-Range %q", cr)
			}
			if method == "GET" && int64(len(body)) != last-first+1 {
				t.Fatalf("206 %q: %d bytes", cr, len(body))
			}
			if full := serve(t, h, "GET", target); method == "GET" && full.Code == 200 && full.Body.String()[first:last+1] != body {
				t.Fatalf("206 %q: %q is not those bytes of %q", cr, body, full.Body.String())
			}
		case httpserver.StatusNotModified:
			// RFC 9110 §15.4.5: a 304 has no content.
			if body != "" {
				t.Fatalf("304 with body %q", body)
			}
		case httpserver.StatusPreconditionFailed:
			if w.HeaderMap.Get("Content-Range") != "" {
				t.Fatalf("412 with Content-Range %q", w.HeaderMap.Get("Content-Range"))
			}
		case httpserver.StatusRequestedRangeNotSatisfiable:
			if cr := w.HeaderMap.Get("Content-Range"); !strings.HasPrefix(cr, "bytes */") {
				t.Fatalf("416 Content-Range %q", cr)
			}
		case httpserver.StatusNotFound, httpserver.StatusBadRequest, httpserver.StatusForbidden,
			httpserver.StatusMovedPermanently, httpserver.StatusPermanentRedirect:
		default:
			t.Fatalf("%s %q: status %d", method, target, w.Code)
		}
	})
}
