package static

import "testing"

func TestPrecompressedNegotiation(t *testing.T) {
	h := newDir(t, nil)
	tests := []struct {
		target, accept string // accept "-" means no Accept-Encoding field
		body, encoding string
	}{
		{"/app.js", "-", "console.log('identity');\n", ""},
		{"/app.js", "", "console.log('identity');\n", ""},
		{"/app.js", "gzip", "GZ-BYTES", "gzip"},
		{"/app.js", "x-gzip", "GZ-BYTES", "gzip"},
		{"/app.js", "GZIP", "GZ-BYTES", "gzip"},
		{"/app.js", "br", "BR-BYTES", "br"},
		{"/app.js", "zstd", "ZST-BYTES", "zstd"},
		{"/app.js", "gzip, deflate, br, zstd", "BR-BYTES", "br"},
		{"/app.js", "gzip;q=1.0, br;q=0.5", "GZ-BYTES", "gzip"},
		{"/app.js", "br;q=0, gzip", "GZ-BYTES", "gzip"},
		{"/app.js", "br;q=0, gzip;q=0, zstd;q=0", "console.log('identity');\n", ""},
		{"/app.js", "*", "BR-BYTES", "br"},
		{"/app.js", "*;q=0.5, br;q=0", "ZST-BYTES", "zstd"},
		{"/app.js", "gzip;q=0.5, identity", "console.log('identity');\n", ""},
		{"/app.js", "gzip;q=0.5, identity;q=0.5", "GZ-BYTES", "gzip"},
		{"/app.js", "gzip;q=0.001", "GZ-BYTES", "gzip"},
		{"/app.js", "gzip;q=2", "console.log('identity');\n", ""},
		{"/app.js", "gzip;q=0.1234", "console.log('identity');\n", ""},
		{"/app.js", "gzip;q=1.001", "console.log('identity');\n", ""},
		{"/app.js", "gzip ; Q=0.8 ; foo=bar", "GZ-BYTES", "gzip"},
		{"/app.js", "deflate, compress", "console.log('identity');\n", ""},
		// A coding listed twice takes its lower q-value.
		{"/app.js", "gzip;q=0, gzip", "console.log('identity');\n", ""},
		{"/app.js", "x-gzip, gzip;q=0", "console.log('identity');\n", ""},
		{"/app.js", "br, zstd;q=0.5, br;q=0.1", "ZST-BYTES", "zstd"},
		{"/style.css", "br, gzip", "GZCSS", "gzip"},
		{"/style.css", "br", "body{}\n", ""},
		{"/hello.txt", "gzip", "hello, world\n", ""},
	}
	for _, tt := range tests {
		var headers []string
		if tt.accept != "-" {
			headers = []string{"Accept-Encoding", tt.accept}
		}
		rec := serve(t, h, "GET", tt.target, headers...)
		if rec.Code != 200 || rec.Body.String() != tt.body || rec.HeaderMap.Get("Content-Encoding") != tt.encoding {
			t.Errorf("%s %q: %d %q encoding %q; want %q %q", tt.target, tt.accept,
				rec.Code, rec.Body.String(), rec.HeaderMap.Get("Content-Encoding"), tt.body, tt.encoding)
		}
		wantVary := tt.target != "/hello.txt"
		if got := rec.HeaderMap.Get("Vary") == "Accept-Encoding"; got != wantVary {
			t.Errorf("%s %q: Vary %q", tt.target, tt.accept, rec.HeaderMap.Get("Vary"))
		}
		if tt.target == "/app.js" && rec.HeaderMap.Get("Content-Type") != "text/javascript; charset=utf-8" {
			t.Errorf("%s %q: Content-Type %q", tt.target, tt.accept, rec.HeaderMap.Get("Content-Type"))
		}
	}
}

func TestPrecompressedValidatorsAndRanges(t *testing.T) {
	h := newDir(t, nil)
	plain := serve(t, h, "GET", "/app.js").HeaderMap.Get("ETag")
	gz := serve(t, h, "GET", "/app.js", "Accept-Encoding", "gzip").HeaderMap.Get("ETag")
	if plain == "" || gz == "" || plain == gz {
		t.Fatalf("ETags identity %q gzip %q must differ", plain, gz)
	}
	// The gzip tag does not validate the identity representation.
	if code := serve(t, h, "GET", "/app.js", "If-None-Match", gz).Code; code != 200 {
		t.Errorf("identity with gzip tag = %d", code)
	}
	rec := serve(t, h, "GET", "/app.js", "Accept-Encoding", "gzip", "If-None-Match", gz)
	if rec.Code != 304 || rec.HeaderMap.Get("Vary") != "Accept-Encoding" {
		t.Errorf("304 = %d Vary %q", rec.Code, rec.HeaderMap.Get("Vary"))
	}
	// Ranges address the encoded bytes.
	rec = serve(t, h, "GET", "/app.js", "Accept-Encoding", "gzip", "Range", "bytes=0-1")
	if rec.Code != 206 || rec.Body.String() != "GZ" || rec.HeaderMap.Get("Content-Range") != "bytes 0-1/8" ||
		rec.HeaderMap.Get("Content-Encoding") != "gzip" {
		t.Errorf("range of gzip = %d %q %q", rec.Code, rec.Body.String(), rec.HeaderMap.Get("Content-Range"))
	}
	// A 416 carries Vary but no Content-Encoding.
	rec = serve(t, h, "GET", "/app.js", "Accept-Encoding", "gzip", "Range", "bytes=100-")
	if rec.Code != 416 || rec.HeaderMap.Has("Content-Encoding") || rec.HeaderMap.Get("Vary") != "Accept-Encoding" {
		t.Errorf("416 = %d Content-Encoding %q Vary %q", rec.Code, rec.HeaderMap.Get("Content-Encoding"), rec.HeaderMap.Get("Vary"))
	}
	// The sibling itself is an ordinary file.
	rec = serve(t, h, "GET", "/app.js.gz")
	if rec.Body.String() != "GZ-BYTES" || rec.HeaderMap.Get("Content-Type") != "application/gzip" || rec.HeaderMap.Has("Content-Encoding") {
		t.Errorf("/app.js.gz = %q %q", rec.Body.String(), rec.HeaderMap.Get("Content-Type"))
	}
	// Disabled lookup.
	h = newDir(t, &Options{DisablePrecompressed: true})
	rec = serve(t, h, "GET", "/app.js", "Accept-Encoding", "gzip, br")
	if rec.HeaderMap.Has("Content-Encoding") || rec.HeaderMap.Has("Vary") {
		t.Errorf("disabled: Content-Encoding %q Vary %q", rec.HeaderMap.Get("Content-Encoding"), rec.HeaderMap.Get("Vary"))
	}
}
