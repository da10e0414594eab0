package static

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestConditionals(t *testing.T) {
	root := fixture(t)
	mt := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(root, "hello.txt"), mt, mt); err != nil {
		t.Fatal(err)
	}
	h, err := Dir(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	rec := serve(t, h, "GET", "/hello.txt")
	etag := rec.HeaderMap.Get("ETag")
	if len(etag) < 3 || etag[0] != '"' || etag[len(etag)-1] != '"' {
		t.Fatalf("ETag %q is not a quoted strong tag", etag)
	}
	lm := rec.HeaderMap.Get("Last-Modified")
	if lm != "Tue, 02 Jan 2024 03:04:05 GMT" {
		t.Fatalf("Last-Modified = %q", lm)
	}
	const (
		before = "Mon, 01 Jan 2024 00:00:00 GMT"
		after  = "Wed, 03 Jan 2024 00:00:00 GMT"
	)
	weak := "W/" + etag
	tests := []struct {
		name    string
		method  string
		headers []string
		code    int
	}{
		{"none", "GET", nil, 200},
		{"INM match", "GET", []string{"If-None-Match", etag}, 304},
		{"INM match HEAD", "HEAD", []string{"If-None-Match", etag}, 304},
		{"INM weak match", "GET", []string{"If-None-Match", weak}, 304},
		{"INM in list", "GET", []string{"If-None-Match", `"x", ` + etag}, 304},
		{"INM second field", "GET", []string{"If-None-Match", `"x"`, "If-None-Match", etag}, 304},
		{"INM star", "GET", []string{"If-None-Match", "*"}, 304},
		{"INM other", "GET", []string{"If-None-Match", `"other"`}, 200},
		{"INM malformed", "GET", []string{"If-None-Match", `nope, ` + etag}, 200},
		{"INM unterminated", "GET", []string{"If-None-Match", `"abc`}, 200},
		{"IMS same", "GET", []string{"If-Modified-Since", lm}, 304},
		{"IMS after", "GET", []string{"If-Modified-Since", after}, 304},
		{"IMS before", "GET", []string{"If-Modified-Since", before}, 200},
		{"IMS rfc850", "GET", []string{"If-Modified-Since", "Tuesday, 02-Jan-24 03:04:05 GMT"}, 304},
		{"IMS asctime", "GET", []string{"If-Modified-Since", "Tue Jan  2 03:04:05 2024"}, 304},
		{"IMS invalid", "GET", []string{"If-Modified-Since", "yesterday"}, 200},
		{"IMS twice", "GET", []string{"If-Modified-Since", lm, "If-Modified-Since", lm}, 200},
		{"INM beats IMS", "GET", []string{"If-None-Match", `"other"`, "If-Modified-Since", after}, 200},
		{"IM match", "GET", []string{"If-Match", etag}, 200},
		{"IM star", "GET", []string{"If-Match", "*"}, 200},
		{"IM weak fails", "GET", []string{"If-Match", weak}, 412},
		{"IM other", "GET", []string{"If-Match", `"other"`}, 412},
		{"IUS after", "GET", []string{"If-Unmodified-Since", after}, 200},
		{"IUS same", "GET", []string{"If-Unmodified-Since", lm}, 200},
		{"IUS before", "GET", []string{"If-Unmodified-Since", before}, 412},
		{"IUS invalid", "GET", []string{"If-Unmodified-Since", "nope"}, 200},
		{"IM beats IUS", "GET", []string{"If-Match", etag, "If-Unmodified-Since", before}, 200},
		{"IM fails first", "GET", []string{"If-Match", `"x"`, "If-None-Match", etag}, 412},
		{"IM then INM", "GET", []string{"If-Match", etag, "If-None-Match", etag}, 304},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(t, h, tt.method, "/hello.txt", tt.headers...)
			if rec.Code != tt.code {
				t.Fatalf("status = %d, want %d", rec.Code, tt.code)
			}
			if tt.code == 304 {
				if rec.Body.Len() != 0 {
					t.Errorf("304 with body %q", rec.Body.String())
				}
				if rec.HeaderMap.Get("ETag") != etag || rec.HeaderMap.Has("Last-Modified") || rec.HeaderMap.Has("Content-Type") {
					t.Errorf("304 header: ETag %q Last-Modified %q Content-Type %q",
						rec.HeaderMap.Get("ETag"), rec.HeaderMap.Get("Last-Modified"), rec.HeaderMap.Get("Content-Type"))
				}
			}
		})
	}
}

func TestIfRange(t *testing.T) {
	root := fixture(t)
	mt := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(root, "digits.txt"), mt, mt); err != nil {
		t.Fatal(err)
	}
	h, err := Dir(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	etag := serve(t, h, "GET", "/digits.txt").HeaderMap.Get("ETag")
	tests := []struct {
		ifRange string
		code    int
	}{
		{etag, 206},
		{" " + etag + " ", 206},
		{"W/" + etag, 200},
		{`"stale"`, 200},
		{etag + "x", 200},
		{"Tue, 02 Jan 2024 03:04:05 GMT", 206},
		{"Tue, 02 Jan 2024 03:04:06 GMT", 200},
		{"Mon, 01 Jan 2024 03:04:05 GMT", 200},
		{"garbage", 200},
	}
	for _, tt := range tests {
		rec := serve(t, h, "GET", "/digits.txt", "Range", "bytes=0-3", "If-Range", tt.ifRange)
		if rec.Code != tt.code {
			t.Errorf("If-Range %q: status %d, want %d", tt.ifRange, rec.Code, tt.code)
		}
		if tt.code == 206 && rec.Body.String() != "0123" {
			t.Errorf("If-Range %q: body %q", tt.ifRange, rec.Body.String())
		}
	}
}

func TestFutureModTime(t *testing.T) {
	root := fixture(t)
	future := time.Now().Add(48 * time.Hour)
	if err := os.Chtimes(filepath.Join(root, "hello.txt"), future, future); err != nil {
		t.Fatal(err)
	}
	h, err := Dir(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	lm, ok := parseHTTPDate(serve(t, h, "GET", "/hello.txt").HeaderMap.Get("Last-Modified"))
	if !ok || lm.After(time.Now().Add(time.Minute)) {
		t.Errorf("Last-Modified %v is in the future", lm)
	}
}

func TestParseETag(t *testing.T) {
	tests := []struct {
		in, tag, rest string
		ok            bool
	}{
		{`"abc"`, `"abc"`, "", true},
		{`W/"abc", "d"`, `W/"abc"`, `, "d"`, true},
		{`""`, `""`, "", true},
		{`"a b"`, "", `"a b"`, false},
		{`abc`, "", "abc", false},
		{`W/abc`, "", "W/abc", false},
		{`"abc`, "", `"abc`, false},
	}
	for _, tt := range tests {
		tag, rest, ok := parseETag(tt.in)
		if tag != tt.tag || rest != tt.rest || ok != tt.ok {
			t.Errorf("parseETag(%q) = %q, %q, %v", tt.in, tag, rest, ok)
		}
	}
}
