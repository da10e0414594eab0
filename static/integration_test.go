package static

import (
	"bytes"
	"compress/gzip"
	"io"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// bigFixture adds a 3 MiB pseudo-random file to a fixture and returns the
// root and the content.
func bigFixture(t *testing.T) (string, []byte) {
	t.Helper()
	root := fixture(t)
	data := make([]byte, 3<<20+17)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	if err := os.WriteFile(filepath.Join(root, "big.bin"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return root, data
}

// cacheModes are the cache settings the socket tests run under: the
// default (big.bin too large to hold), holding every file of the fixtures
// in memory, and no cache.
var cacheModes = []struct {
	name string
	opts CacheOptions
}{
	{"cache", CacheOptions{}},
	{"cache-held", CacheOptions{MaxFileSize: 8 << 20}},
	{"no-cache", CacheOptions{Disable: true}},
}

func TestRangesOverSocket(t *testing.T) {
	for _, mode := range cacheModes {
		t.Run(mode.name, func(t *testing.T) { testRangesOverSocket(t, mode.opts) })
	}
}

func testRangesOverSocket(t *testing.T, cache CacheOptions) {
	root, data := bigFixture(t)
	h, err := Dir(root, &Options{Cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	url := "http://" + startServer(t, h) + "/big.bin"
	c := newClient(t)
	size := int64(len(data))

	resp, body := get(t, c, "GET", url)
	if resp.StatusCode != 200 || body != string(data) || resp.ContentLength != size {
		t.Fatalf("whole file: %d len %d", resp.StatusCode, len(body))
	}
	if resp.Header.Get("Accept-Ranges") != "bytes" {
		t.Errorf("Accept-Ranges = %q", resp.Header.Get("Accept-Ranges"))
	}

	singles := []struct {
		rng        string
		start, end int64 // inclusive
	}{
		{"bytes=0-9", 0, 9},
		{"bytes=1000-200000", 1000, 200000},
		{"bytes=-500", size - 500, size - 1},
		{"bytes=3000000-", 3000000, size - 1},
		{"bytes=5-1,", 0, 0}, // invalid: 416 below
	}
	for _, s := range singles[:4] {
		resp, body := get(t, c, "GET", url, "Range", s.rng)
		wantCR := "bytes " + strconv.FormatInt(s.start, 10) + "-" + strconv.FormatInt(s.end, 10) + "/" + strconv.FormatInt(size, 10)
		if resp.StatusCode != 206 || resp.Header.Get("Content-Range") != wantCR || body != string(data[s.start:s.end+1]) {
			t.Errorf("%s: %d %q len %d", s.rng, resp.StatusCode, resp.Header.Get("Content-Range"), len(body))
		}
	}

	// Multiple ranges: multipart/byteranges, decoded with mime/multipart.
	resp, body = get(t, c, "GET", url, "Range", "bytes=0-9, 100-199, -5")
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode != 206 || err != nil || mt != "multipart/byteranges" || params["boundary"] == "" {
		t.Fatalf("multi: %d %q %v", resp.StatusCode, resp.Header.Get("Content-Type"), err)
	}
	if resp.ContentLength != int64(len(body)) {
		t.Errorf("multi: Content-Length %d, body %d", resp.ContentLength, len(body))
	}
	mr := multipart.NewReader(strings.NewReader(body), params["boundary"])
	want := []struct{ start, end int64 }{{0, 9}, {100, 199}, {size - 5, size - 1}}
	for i := 0; ; i++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			if i != len(want) {
				t.Errorf("multi: %d parts, want %d", i, len(want))
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if i >= len(want) {
			t.Fatalf("multi: extra part")
		}
		pb, _ := io.ReadAll(p)
		w := want[i]
		cr := "bytes " + strconv.FormatInt(w.start, 10) + "-" + strconv.FormatInt(w.end, 10) + "/" + strconv.FormatInt(size, 10)
		if p.Header.Get("Content-Range") != cr || !bytes.Equal(pb, data[w.start:w.end+1]) ||
			p.Header.Get("Content-Type") != "application/octet-stream" {
			t.Errorf("part %d: %q %q len %d", i, p.Header.Get("Content-Range"), p.Header.Get("Content-Type"), len(pb))
		}
	}

	// Overlapping ranges are coalesced into one part.
	resp, body = get(t, c, "GET", url, "Range", "bytes=0-99,50-149,0-149")
	if resp.StatusCode != 206 || resp.Header.Get("Content-Range") != "bytes 0-149/"+strconv.FormatInt(size, 10) || body != string(data[:150]) {
		t.Errorf("coalesced: %d %q", resp.StatusCode, resp.Header.Get("Content-Range"))
	}

	// Unsatisfiable, invalid and abusive: 416 with the length.
	for _, rng := range []string{"bytes=" + strconv.FormatInt(size, 10) + "-", "bytes=5-1", "bytes=" + strings.Repeat("1-2,", 40)} {
		resp, _ := get(t, c, "GET", url, "Range", rng)
		if resp.StatusCode != 416 || resp.Header.Get("Content-Range") != "bytes */"+strconv.FormatInt(size, 10) {
			t.Errorf("%.30s: %d %q", rng, resp.StatusCode, resp.Header.Get("Content-Range"))
		}
	}

	// HEAD with Range answers the whole-file header, no body.
	resp, body = get(t, c, "HEAD", url, "Range", "bytes=0-9")
	if resp.StatusCode != 200 || body != "" || resp.Header.Get("Content-Length") != strconv.FormatInt(size, 10) {
		t.Errorf("HEAD range: %d %q CL %q", resp.StatusCode, body, resp.Header.Get("Content-Length"))
	}

	// If-Range with the current tag honours the range; a stale one gets 200.
	etag := resp.Header.Get("ETag")
	if resp, body := get(t, c, "GET", url, "Range", "bytes=0-3", "If-Range", etag); resp.StatusCode != 206 || body != string(data[:4]) {
		t.Errorf("If-Range current: %d", resp.StatusCode)
	}
	if resp, body := get(t, c, "GET", url, "Range", "bytes=0-3", "If-Range", `"stale"`); resp.StatusCode != 200 || len(body) != len(data) {
		t.Errorf("If-Range stale: %d", resp.StatusCode)
	}
}

func TestConditionalsOverSocket(t *testing.T) {
	for _, mode := range cacheModes {
		t.Run(mode.name, func(t *testing.T) { testConditionalsOverSocket(t, mode.opts) })
	}
}

func testConditionalsOverSocket(t *testing.T, cache CacheOptions) {
	addr := startServer(t, newDir(t, &Options{CacheControl: "no-cache", Cache: cache}))
	c := newClient(t)
	url := "http://" + addr + "/hello.txt"
	resp, _ := get(t, c, "GET", url)
	etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if etag == "" || lm == "" {
		t.Fatalf("validators: ETag %q Last-Modified %q", etag, lm)
	}
	tests := []struct {
		headers []string
		code    int
	}{
		{[]string{"If-None-Match", etag}, 304},
		{[]string{"If-Modified-Since", lm}, 304},
		{[]string{"If-Match", `"nope"`}, 412},
		{[]string{"If-Unmodified-Since", "Sat, 01 Jan 2000 00:00:00 GMT"}, 412},
		{[]string{"If-Match", etag}, 200},
	}
	for _, tt := range tests {
		resp, body := get(t, c, "GET", url, tt.headers...)
		if resp.StatusCode != tt.code {
			t.Errorf("%v: %d, want %d", tt.headers, resp.StatusCode, tt.code)
		}
		if tt.code == 304 && (body != "" || resp.Header.Get("ETag") != etag || resp.Header.Get("Cache-Control") != "no-cache") {
			t.Errorf("%v: 304 body %q ETag %q", tt.headers, body, resp.Header.Get("ETag"))
		}
	}
	// Methods.
	for method, code := range map[string]int{"POST": 405, "PUT": 405, "OPTIONS": 204, "HEAD": 200} {
		resp, body := get(t, c, method, url)
		if resp.StatusCode != code || (code != 200 && resp.Header.Get("Allow") != "GET, HEAD") {
			t.Errorf("%s: %d Allow %q", method, resp.StatusCode, resp.Header.Get("Allow"))
		}
		if method == "HEAD" && (body != "" || resp.Header.Get("Content-Length") != "13") {
			t.Errorf("HEAD: body %q CL %q", body, resp.Header.Get("Content-Length"))
		}
	}
	// Redirect keeps the query.
	resp, _ = get(t, c, "GET", "http://"+addr+"/sub?a=1")
	if resp.StatusCode != 301 || resp.Header.Get("Location") != "./sub/?a=1" {
		t.Errorf("redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Precompressed sibling through the real client.
	resp, body := get(t, c, "GET", "http://"+addr+"/app.js", "Accept-Encoding", "br, gzip")
	if body != "BR-BYTES" || resp.Header.Get("Content-Encoding") != "br" || resp.Header.Get("Vary") != "Accept-Encoding" {
		t.Errorf("br sibling: %q %q", body, resp.Header.Get("Content-Encoding"))
	}
	// A followed redirect lands on the index.
	follow := &http.Client{Transport: c.Transport}
	r2, err := follow.Get("http://" + addr + "/sub")
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := io.ReadAll(r2.Body)
	r2.Body.Close()
	if string(b2) != "<p>sub index</p>" {
		t.Errorf("followed redirect body %q", b2)
	}
}

// TestCurl checks the server against curl, an independent client.
func TestCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed")
	}
	root, data := bigFixture(t)
	src := strings.Repeat("console.log('real gzip');\n", 100)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(src))
	zw.Close()
	if err := os.WriteFile(filepath.Join(root, "real.js"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "real.js.gz"), gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := Dir(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	base := "http://" + startServer(t, h)
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(curl, append([]string{"-sS", "--max-time", "10"}, args...)...).Output()
		if err != nil {
			t.Fatalf("curl %v: %v", args, err)
		}
		return string(out)
	}
	if got := run("-r", "0-9", base+"/digits.txt"); got != "0123456789" {
		t.Errorf("curl -r 0-9 = %q", got)
	}
	if got := run("-r", "-4", base+"/digits.txt"); got != "wxyz" {
		t.Errorf("curl -r -4 = %q", got)
	}
	if got := run(base + "/big.bin"); got != string(data) {
		t.Errorf("curl big.bin: %d bytes", len(got))
	}
	// -z with a date after the file's: 304, curl prints nothing.
	if got := run("-z", "Fri, 01 Jan 2100 00:00:00 GMT", "-w", "%{http_code}", base+"/hello.txt"); got != "304" {
		t.Errorf("curl -z future = %q", got)
	}
	if got := run("-z", "Sat, 01 Jan 2000 00:00:00 GMT", "-w", "%{http_code}", base+"/hello.txt"); got != "hello, world\n200" {
		t.Errorf("curl -z past = %q", got)
	}
	if got := run("-I", "-w", "%{http_code}", base+"/hello.txt"); !strings.Contains(got, "Content-Length: 13") || !strings.HasSuffix(got, "200") {
		t.Errorf("curl -I = %q", got)
	}
	if got := run("--compressed", "-H", "Accept-Encoding: gzip", base+"/real.js"); got != src {
		t.Errorf("curl --compressed = %q", got)
	}
	if got := run("-H", "Accept-Encoding: gzip", base+"/real.js"); got != gz.String() {
		t.Errorf("curl raw gzip: %d bytes, want %d", len(got), gz.Len())
	}
	if got := run("--path-as-is", "-w", "%{http_code}", "-o", "/dev/null", base+"/../secret.txt"); got != "404" {
		t.Errorf("curl traversal = %q", got)
	}
}

// TestCacheOnOffIdenticalOverSocket sends the same requests, twice each
// (a miss, then a hit), to servers with and without the cache and compares
// the raw responses: status line, every header field but Date, and body,
// with multipart boundaries normalised.
func TestCacheOnOffIdenticalOverSocket(t *testing.T) {
	root, _ := bigFixture(t)
	addrs := make([]string, len(cacheModes))
	for i, mode := range cacheModes {
		h, err := Dir(root, &Options{Cache: mode.opts, CacheControl: "public, max-age=60"})
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		addrs[i] = startServer(t, h)
	}
	// Validators of the fixture, from the server without cache.
	_, head := rawExchange(t, addrs[len(addrs)-1], "HEAD /digits.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	etag := headerValue(head, "ETag")
	lm := headerValue(head, "Last-Modified")
	if etag == "" || lm == "" {
		t.Fatalf("no validators in %q", head)
	}
	requests := []struct{ target, headers string }{
		{"/hello.txt", ""},
		{"/digits.txt", "Range: bytes=2-5\r\n"},
		{"/digits.txt", "Range: bytes=0-1,5-6,-3\r\n"},
		{"/digits.txt", "Range: bytes=100-\r\n"},
		{"/digits.txt", "Range: bytes=0-1\r\nIf-Range: " + etag + "\r\n"},
		{"/digits.txt", "Range: bytes=0-1\r\nIf-Range: \"other\"\r\n"},
		{"/digits.txt", "Range: bytes=0-1\r\nIf-Range: " + lm + "\r\n"},
		{"/digits.txt", "If-None-Match: " + etag + "\r\n"},
		{"/digits.txt", "If-Modified-Since: " + lm + "\r\n"},
		{"/digits.txt", "If-Match: \"nope\"\r\n"},
		{"/digits.txt", "Range: lines=1-2\r\n"},
		{"/big.bin", "Range: bytes=1000-1999\r\n"},
		{"/big.bin", "Range: bytes=0-9,100-199,-5\r\n"},
		{"/big.bin", "If-None-Match: W/" + etag + ", *\r\n"},
		{"/app.js", "Accept-Encoding: br;q=0.5, gzip\r\n"},
		{"/app.js", "Accept-Encoding: zstd\r\nRange: bytes=1-3\r\n"},
		{"/app.js", "Accept-Encoding: identity\r\n"},
		{"/app.js", ""},
		{"/style.css", "Accept-Encoding: gzip\r\nIf-None-Match: *\r\n"},
		{"/noext", ""},
		{"/blob", ""},
		{"/", ""},
		{"/sub/", ""},
		{"/sub//", ""},
		{"/sub", ""},
		{"/nope", ""},
		{"/link-outside", ""},
	}
	for _, rq := range requests {
		for _, method := range []string{"GET", "HEAD"} {
			req := method + " " + rq.target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + rq.headers + "\r\n"
			var want string
			for round := range 2 {
				for i, addr := range addrs {
					_, resp := rawExchange(t, addr, req)
					got := normalizeResponse(resp)
					if i == 0 && round == 0 {
						want = got
						continue
					}
					if got != want {
						t.Errorf("%s %s %q, %s round %d:\n%s\nwant (%s):\n%s", method, rq.target, rq.headers,
							cacheModes[i].name, round, abbreviate(got), cacheModes[0].name, abbreviate(want))
					}
				}
			}
		}
	}
}

// headerValue returns a field of a raw response head.
func headerValue(resp, name string) string {
	head, _, _ := strings.Cut(resp, "\r\n\r\n")
	for _, line := range strings.Split(head, "\r\n")[1:] {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// normalizeResponse drops the Date field and replaces a multipart boundary
// with a fixed string.
func normalizeResponse(resp string) string {
	head, body, _ := strings.Cut(resp, "\r\n\r\n")
	var lines []string
	for _, line := range strings.Split(head, "\r\n") {
		if !strings.HasPrefix(line, "Date:") {
			lines = append(lines, line)
		}
	}
	out := strings.Join(lines, "\r\n") + "\r\n\r\n" + body
	if _, b, ok := strings.Cut(headerValue(resp, "Content-Type"), "boundary="); ok {
		out = strings.ReplaceAll(out, b, "BOUNDARY")
	}
	return out
}

// abbreviate shortens a response for an error message.
func abbreviate(s string) string {
	if len(s) > 600 {
		return s[:600] + "..."
	}
	return s
}
