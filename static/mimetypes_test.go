package static

import (
	"strings"
	"testing"
)

func TestContentTypes(t *testing.T) {
	h := newDir(t, &Options{ContentTypes: map[string]string{".txt": "text/x-custom", ".foo": "application/x-foo"}})
	tests := []struct{ target, want string }{
		{"/index.html", "text/html; charset=utf-8"},
		{"/Upper.HTML", "text/html; charset=utf-8"},
		{"/app.js", "text/javascript; charset=utf-8"},
		{"/style.css", "text/css; charset=utf-8"},
		{"/hello.txt", "text/x-custom"},
		{"/noext", "text/html; charset=utf-8"},
		{"/plain", "text/plain; charset=utf-8"},
		{"/blob", "application/octet-stream"},
	}
	for _, tt := range tests {
		rec := serve(t, h, "GET", tt.target)
		if got := rec.HeaderMap.Get("Content-Type"); got != tt.want {
			t.Errorf("%s: Content-Type %q, want %q", tt.target, got, tt.want)
		}
		if rec.HeaderMap.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", tt.target)
		}
	}
	// Sniffing must not eat the body.
	if body := serve(t, h, "GET", "/noext").Body.String(); body != "<!DOCTYPE html><p>sniffed</p>" {
		t.Errorf("sniffed body = %q", body)
	}
}

func TestTypeByExtension(t *testing.T) {
	tests := []struct{ name, want string }{
		{"a.html", "text/html; charset=utf-8"},
		{"a.json", "application/json; charset=utf-8"},
		{"a.svg", "image/svg+xml; charset=utf-8"},
		{"a.xml", "text/xml; charset=utf-8"},
		{"a.md", "text/markdown; charset=utf-8"},
		{"a.mjs", "text/javascript; charset=utf-8"},
		{"a.wasm", "application/wasm"},
		{"a.PNG", "image/png"},
		{"a.woff2", "font/woff2"},
		{"a.pdf", "application/pdf"},
		{"a.unknownext", ""},
		{"noext", ""},
		{"dir.d/noext", ""},
	}
	for _, tt := range tests {
		if got := typeByExtension(tt.name, nil); got != tt.want {
			t.Errorf("typeByExtension(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	for ext, typ := range builtinTypes {
		if strings.HasPrefix(typ, "text/") && !strings.HasSuffix(typ, "; charset=utf-8") {
			t.Errorf("%s: text type %q without charset", ext, typ)
		}
		if ext != strings.ToLower(ext) || !strings.HasPrefix(ext, ".") {
			t.Errorf("bad table key %q", ext)
		}
	}
}

func TestSniff(t *testing.T) {
	tests := []struct{ data, want string }{
		{"", "text/plain; charset=utf-8"},
		{"hello", "text/plain; charset=utf-8"},
		{"  \n<!doctype html><p>", "text/html; charset=utf-8"},
		{"<HTML>", "text/html; charset=utf-8"},
		{"<html", "text/plain; charset=utf-8"}, // no tag end
		{"<htmlx>", "text/plain; charset=utf-8"},
		{"<p>x", "text/html; charset=utf-8"},
		{"<!-- c -->", "text/html; charset=utf-8"},
		{"<?xml version=\"1.0\"?>", "text/xml; charset=utf-8"},
		{"%PDF-1.7", "application/pdf"},
		{"%!PS-Adobe-3.0", "application/postscript"},
		{"\xef\xbb\xbfhi", "text/plain; charset=utf-8"},
		{"\xfe\xff\x00h", "text/plain; charset=utf-16be"},
		{"\xff\xfeh\x00", "text/plain; charset=utf-16le"},
		{"GIF89a....", "image/gif"},
		{"\x89PNG\r\n\x1a\n....", "image/png"},
		{"\xff\xd8\xff\xe0", "image/jpeg"},
		{"BM....", "image/bmp"},
		{"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"},
		{"RIFF\x10\x00\x00\x00WAVEfmt ", "audio/wave"},
		{"RIFF\x10\x00\x00\x00AVI LIST", "video/avi"},
		{"\x00\x00\x01\x00\x01\x00", "image/x-icon"},
		{"ID3\x03", "audio/mpeg"},
		{"OggS\x00\x02", "application/ogg"},
		{"\x1a\x45\xdf\xa3\x01", "video/webm"},
		{"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", "video/mp4"},
		{"\x00\x00\x00\x14ftypisom\x00\x00\x00\x00isom", "application/octet-stream"},
		{"wOF2\x00\x01", "font/woff2"},
		{"wOFF\x00\x01", "font/woff"},
		{"OTTO\x00", "font/otf"},
		{"\x1f\x8b\x08\x00", "application/x-gzip"},
		{"PK\x03\x04", "application/zip"},
		{"\x00asm\x01\x00\x00\x00", "application/wasm"},
		{"text\x00with nul", "application/octet-stream"},
		{"tab\tand\r\nnewlines\x0c\x1b", "text/plain; charset=utf-8"},
	}
	for _, tt := range tests {
		if got := sniff([]byte(tt.data)); got != tt.want {
			t.Errorf("sniff(%q) = %q, want %q", tt.data, got, tt.want)
		}
	}
	long := strings.Repeat("a", 600) + "\x00"
	if got := sniff([]byte(long)); got != "text/plain; charset=utf-8" {
		t.Errorf("sniff looked past %d bytes: %q", sniffLen, got)
	}
}
