package demo

import (
	"strings"
	"testing"

	"github.com/rawsock/httpserver/httpservertest"
)

func BenchmarkHealth(b *testing.B) {
	h := Handler(Options{Version: "v1"})
	req := httpservertest.NewRequest("GET", "/health", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httpservertest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

func BenchmarkEcho(b *testing.B) {
	h := Handler(Options{Demo: true})
	b.ReportAllocs()
	for b.Loop() {
		req := httpservertest.NewRequest("POST", "/api/echo?a=1&a=2&b=x%20y", strings.NewReader("hello, world"))
		req.Header.Add("User-Agent", "bench")
		req.Header.Add("Accept", "*/*")
		rec := httpservertest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

func BenchmarkMountDispatch(b *testing.B) {
	mounts := []Mount{{Prefix: "/assets", Handler: tagged("a")}, {Prefix: "/img", Handler: tagged("i")}}
	h := Handler(Options{Mounts: mounts})
	req := httpservertest.NewRequest("GET", "/img/x/y.png", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httpservertest.NewRecorder()
		h.ServeHTTP(rec, req)
	}
}
