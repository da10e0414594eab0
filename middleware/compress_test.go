package middleware

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/httpservertest"
)

func TestNegotiateEncoding(t *testing.T) {
	tests := []struct {
		ae   []string // Accept-Encoding fields; nil: absent
		want encoding
	}{
		{nil, encIdentity},
		{[]string{""}, encIdentity},
		{[]string{"gzip"}, encGzip},
		{[]string{"deflate"}, encDeflate},
		{[]string{"GZIP"}, encGzip},
		{[]string{"x-gzip"}, encGzip},
		{[]string{"gzip, deflate"}, encGzip},
		{[]string{"deflate, gzip"}, encGzip}, // tie: server preference
		{[]string{"deflate;q=1.0, gzip;q=0.5"}, encDeflate},
		{[]string{"gzip;q=0.5, deflate;q=0.8"}, encDeflate},
		{[]string{"gzip;q=0, deflate"}, encDeflate},
		{[]string{"gzip;q=0"}, encIdentity},
		{[]string{"*"}, encZstd},
		{[]string{"*;q=0.5, gzip;q=0.1"}, encZstd}, // zstd and deflate take *'s 0.5; zstd preferred
		{[]string{"*;q=0.5, gzip;q=0.1, zstd;q=0"}, encDeflate},
		{[]string{"gzip, deflate, br, zstd"}, encZstd}, // curl's list: tie, server preference
		{[]string{"gzip, zstd;q=0.9"}, encGzip},
		{[]string{"ZSTD"}, encZstd},
		{[]string{"*;q=0"}, encIdentity},
		{[]string{"br"}, encIdentity},
		{[]string{"br, identity;q=0"}, encIdentity}, // nothing we have: send identity anyway
		{[]string{"identity"}, encIdentity},
		{[]string{"gzip;q=1.001"}, encIdentity}, // malformed q: element ignored
		{[]string{"gzip;q=2"}, encIdentity},
		{[]string{"gzip;q=0.5x, deflate;q=0.1"}, encDeflate},
		{[]string{"gzip;q=.5"}, encIdentity},
		{[]string{"gzip;q=0.0001"}, encIdentity},
		{[]string{"gzip ; q=0.3 , deflate ; q=0.2"}, encGzip},
		{[]string{"gzip;level=1"}, encGzip},
		{[]string{"gzip;q=1.000"}, encGzip},
		{[]string{"br", "deflate"}, encDeflate}, // several fields combine
		{[]string{",,gzip,"}, encGzip},
		// A coding listed twice takes its lowest q-value (fuzz finding).
		{[]string{"gZip;q=0,gZip"}, encIdentity},
		{[]string{"gzip", "gzip;q=0"}, encIdentity},
		{[]string{"gzip;q=0.2, deflate;q=0.5, gzip"}, encDeflate},
		{[]string{"*;q=0, *", "zstd;q=0.1"}, encZstd},
	}
	for _, tt := range tests {
		r := httpservertest.NewRequest("GET", "/", nil)
		for _, v := range tt.ae {
			r.Header.Add("Accept-Encoding", v)
		}
		if got := negotiateEncoding(r, func(encoding) bool { return true }); got != tt.want {
			t.Errorf("Accept-Encoding %q: got %s, want %s", tt.ae, encodingNames[got], encodingNames[tt.want])
		}
	}
	// Without zstd, the next best is chosen.
	r := httpservertest.NewRequest("GET", "/", nil)
	r.Header.Add("Accept-Encoding", "zstd, deflate;q=0.5")
	if got := negotiateEncoding(r, func(e encoding) bool { return e != encZstd }); got != encDeflate {
		t.Errorf("zstd disallowed: got %s", encodingNames[got])
	}
}

func TestCompressible(t *testing.T) {
	cc := &compressor{}
	for _, ty := range DefaultCompressibleTypes {
		if p, ok := strings.CutSuffix(ty, "/*"); ok {
			cc.prefix = append(cc.prefix, p+"/")
		} else {
			cc.exact = append(cc.exact, ty)
		}
	}
	for ct, want := range map[string]bool{
		"text/html; charset=utf-8":      true,
		"TEXT/CSS":                      true,
		"application/json":              true,
		"application/problem+json":      true,
		"application/atom+xml":          true,
		"image/svg+xml":                 true,
		"application/wasm":              true,
		"text/event-stream":             true,
		"image/png":                     false,
		"image/jpeg":                    false,
		"application/zip":               false,
		"application/gzip":              false,
		"application/octet-stream":      false,
		"":                              false,
		"text/":                         false,
		"application/vnd.api+json; x=1": true,
	} {
		if got := cc.compressible(ct); got != want {
			t.Errorf("compressible(%q) = %v", ct, got)
		}
	}
}

var bigText = strings.Repeat("The quick brown fox jumps over the lazy dog. ", 200) // 9000 bytes

// compressServer serves handlers by path, behind Compress.
func compressServer(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "big.txt"), []byte(bigText), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), []byte(bigText), 0o644); err != nil {
		t.Fatal(err)
	}
	mux := func(w httpserver.ResponseWriter, r *httpserver.Request) {
		h := w.Header()
		switch r.Path {
		case "/big":
			h.Set("Content-Type", "text/plain; charset=utf-8")
			h.Set("Content-Length", "9000")
			h.Set("ETag", `"v1"`)
			w.WriteString(bigText)
		case "/small":
			h.Set("Content-Type", "application/json")
			w.WriteString(`{"ok":true}`)
		case "/chunks":
			h.Set("Content-Type", "text/html")
			for i := 0; i < 200; i++ {
				w.WriteString(bigText[:45])
			}
		case "/image":
			h.Set("Content-Type", "image/png")
			w.WriteString(bigText)
		case "/encoded":
			h.Set("Content-Type", "text/plain")
			h.Set("Content-Encoding", "br")
			w.WriteString(bigText)
		case "/partial":
			h.Set("Content-Type", "text/plain")
			h.Set("Content-Range", "bytes 0-8999/20000")
			w.WriteHeader(206)
			w.WriteString(bigText)
		case "/nocontent":
			w.WriteHeader(204)
		case "/notmodified":
			h.Set("Content-Type", "text/plain")
			w.WriteHeader(304)
		case "/stream":
			h.Set("Content-Type", "text/event-stream")
			w.WriteString("data: one\n\n")
			w.Flush()
			w.WriteString("data: two\n\n")
		case "/file", "/binfile":
			name := "big.txt"
			h.Set("Content-Type", "text/plain")
			if r.Path == "/binfile" {
				name = "big.bin"
				h.Set("Content-Type", "application/octet-stream")
			}
			f, err := os.Open(filepath.Join(dir, name))
			if err != nil {
				t.Error(err)
				return
			}
			defer f.Close()
			h.Set("Content-Length", "9000")
			httpserver.NewResponseController(w).ReadFrom(f)
		case "/early":
			h.Set("Link", "</a.css>; rel=preload")
			w.WriteHeader(103)
			h.Set("Content-Type", "text/plain")
			w.WriteString(bigText)
		case "/empty":
		}
	}
	return serve(t, Compress(CompressOptions{})(httpserver.HandlerFunc(mux)))
}

func TestCompressOverSocket(t *testing.T) {
	base := compressServer(t)
	c := client(t)
	tests := []struct {
		path, method, ae, rng string
		wantCE, wantVary      string
		wantBody              string
		wantStatus            int
	}{
		{"/big", "GET", "gzip", "", "gzip", "Accept-Encoding", bigText, 200},
		{"/big", "GET", "deflate", "", "deflate", "Accept-Encoding", bigText, 200},
		{"/big", "GET", "zstd", "", "zstd", "Accept-Encoding", bigText, 200},
		{"/chunks", "GET", "zstd, gzip", "", "zstd", "Accept-Encoding", strings.Repeat(bigText[:45], 200), 200},
		{"/stream", "GET", "zstd", "", "zstd", "Accept-Encoding", "data: one\n\ndata: two\n\n", 200},
		{"/file", "GET", "zstd", "", "zstd", "Accept-Encoding", bigText, 200},
		{"/big", "GET", "", "", "", "Accept-Encoding", bigText, 200},
		{"/big", "GET", "br", "", "", "Accept-Encoding", bigText, 200},
		{"/big", "HEAD", "gzip", "", "", "Accept-Encoding", "", 200},
		{"/big", "GET", "gzip", "bytes=0-10", "", "Accept-Encoding", bigText, 200}, // handler ignores Range here
		{"/small", "GET", "gzip", "", "", "Accept-Encoding", `{"ok":true}`, 200},
		{"/chunks", "GET", "gzip", "", "gzip", "Accept-Encoding", strings.Repeat(bigText[:45], 200), 200},
		{"/image", "GET", "gzip", "", "", "", bigText, 200},
		{"/encoded", "GET", "gzip", "", "br", "", bigText, 200},
		{"/partial", "GET", "gzip", "", "", "", bigText, 206},
		{"/nocontent", "GET", "gzip", "", "", "", "", 204},
		{"/notmodified", "GET", "gzip", "", "", "", "", 304},
		{"/stream", "GET", "gzip", "", "gzip", "Accept-Encoding", "data: one\n\ndata: two\n\n", 200},
		{"/file", "GET", "gzip", "", "gzip", "Accept-Encoding", bigText, 200},
		{"/file", "GET", "identity", "", "", "Accept-Encoding", bigText, 200},
		{"/binfile", "GET", "gzip", "", "", "", bigText, 200},
		{"/early", "GET", "gzip", "", "gzip", "Accept-Encoding", bigText, 200},
		{"/empty", "GET", "gzip", "", "", "", "", 200},
	}
	for _, tt := range tests {
		name := tt.method + " " + tt.path + " ae=" + tt.ae + " range=" + tt.rng
		req, _ := http.NewRequest(tt.method, base+tt.path, nil)
		if tt.ae != "" {
			req.Header.Set("Accept-Encoding", tt.ae)
		}
		if tt.rng != "" {
			req.Header.Set("Range", tt.rng)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		body := decode(t, resp.Header.Get("Content-Encoding"), raw)
		if resp.StatusCode != tt.wantStatus || resp.Header.Get("Content-Encoding") != tt.wantCE ||
			resp.Header.Get("Vary") != tt.wantVary || body != tt.wantBody {
			t.Errorf("%s: status %d CE %q Vary %q body %d bytes; want %d %q %q %d bytes",
				name, resp.StatusCode, resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"), len(body),
				tt.wantStatus, tt.wantCE, tt.wantVary, len(tt.wantBody))
		}
		if tt.wantCE == "gzip" || tt.wantCE == "deflate" || tt.wantCE == "zstd" {
			if len(raw) >= len(body) && tt.path != "/stream" {
				t.Errorf("%s: %d compressed bytes for %d", name, len(raw), len(body))
			}
			if resp.ContentLength >= 0 && resp.ContentLength != int64(len(raw)) {
				t.Errorf("%s: Content-Length %d for %d bytes", name, resp.ContentLength, len(raw))
			}
			if et := resp.Header.Get("ETag"); et != "" && et != `W/"v1"` {
				t.Errorf("%s: ETag %q not weakened", name, et)
			}
		}
	}
}

func decode(t *testing.T, ce string, raw []byte) string {
	t.Helper()
	var r io.Reader
	switch ce {
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case "deflate":
		r = flate.NewReader(bytes.NewReader(raw))
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		r = zr
	default:
		return string(raw)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decoding %s: %v", ce, err)
	}
	return string(b)
}

func TestCompressTransparentGzipClient(t *testing.T) {
	base := compressServer(t)
	// Default transport: asks for gzip and decodes it itself.
	resp, body := do(t, client(t), "GET", base+"/big", nil, nil)
	if !resp.Uncompressed || body != bigText {
		t.Errorf("transparent gzip: uncompressed=%v len=%d", resp.Uncompressed, len(body))
	}
}

func TestCompressStreamingFlushReachesClient(t *testing.T) {
	release := make(chan struct{})
	h := Compress(CompressOptions{})(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteString("data: first\n\n")
		w.Flush()
		<-release
		w.WriteString("data: second\n\n")
	}))
	base := serve(t, h)
	req, _ := http.NewRequest("GET", base+"/", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 13)
	if _, err := io.ReadFull(zr, buf); err != nil || string(buf) != "data: first\n\n" {
		t.Fatalf("first event before the handler finished: %q %v", buf, err)
	}
	close(release)
	rest, _ := io.ReadAll(zr)
	if string(rest) != "data: second\n\n" {
		t.Errorf("rest %q", rest)
	}
}

func TestCompressCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed")
	}
	base := compressServer(t)
	for _, tc := range []struct{ path, ae string }{
		{"/big", ""}, {"/chunks", ""}, {"/file", ""}, // curl's own list
		{"/big", "gzip"}, {"/chunks", "deflate"}, {"/file", "zstd"},
	} {
		path := tc.path
		args := []string{"-sS", "--compressed", "-D", "-", base + path}
		if tc.ae != "" {
			args = append(args, "-H", "Accept-Encoding: "+tc.ae)
		}
		out, err := exec.Command(curl, args...).Output()
		if err != nil {
			t.Fatalf("curl %s: %v", path, err)
		}
		head, body, _ := strings.Cut(string(out), "\r\n\r\n")
		if !strings.Contains(strings.ToLower(head), "content-encoding: "+tc.ae) {
			t.Errorf("curl %s (%q): not compressed as asked:\n%s", path, tc.ae, head)
		}
		if want := bigText; path == "/chunks" {
			want = strings.Repeat(bigText[:45], 200)
			if body != want {
				t.Errorf("curl %s: body %d bytes", path, len(body))
			}
		} else if body != want {
			t.Errorf("curl %s: body %d bytes", path, len(body))
		}
	}
}

func TestCompressOptionsAndRecorder(t *testing.T) {
	h := Compress(CompressOptions{Level: 1, MinSize: 10, ContentTypes: []string{"application/x-custom"}, NoZstd: true})(
		httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
			w.Header().Set("Content-Type", "application/x-custom")
			w.Write([]byte(strings.Repeat("a", 100)))
		}))
	rec := httpservertest.NewRecorder()
	req := httpservertest.NewRequest("GET", "/", nil)
	req.Header.Set("Accept-Encoding", "zstd, deflate;q=0.5")
	h.ServeHTTP(rec, req)
	if rec.HeaderMap.Get("Content-Encoding") != "deflate" || decode(t, "deflate", rec.Body.Bytes()) != strings.Repeat("a", 100) {
		t.Errorf("custom type not compressed: %v", rec.HeaderMap)
	}
}

func TestCompressZstdLevelsAndPool(t *testing.T) {
	for _, level := range []int{1, 5, 9} {
		h := Compress(CompressOptions{Level: level})(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteString(bigText)
		}))
		for i := 0; i < 3; i++ { // the second and third reuse the pooled encoder
			req := httpservertest.NewRequest("GET", "/", nil)
			req.Header.Set("Accept-Encoding", "zstd")
			rec := httpservertest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.HeaderMap.Get("Content-Encoding") != "zstd" || decode(t, "zstd", rec.Body.Bytes()) != bigText {
				t.Fatalf("level %d round %d: %v", level, i, rec.HeaderMap)
			}
		}
	}
}
