//go:build !race

package middleware

import (
	"testing"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/httpservertest"
)

// TestZeroAllocRateLimitAllowed pins the rate limiter's allowed path,
// RateLimit and RateLimit-Policy fields included, at zero allocations
// once the client's key is known and its field values are cached.
func TestZeroAllocRateLimitAllowed(t *testing.T) {
	l := NewRateLimiter(RateLimitOptions{Rate: 1e9, Burst: 50})
	h := l.Middleware(httpserver.HandlerFunc(jsonHandler))
	req := httpservertest.NewRequest("GET", "/", nil)
	w := &discardWriter{}
	serve := func() {
		w.reset()
		h.ServeHTTP(w, req)
	}
	serve()
	if w.h.Get("RateLimit") == "" || w.status == httpserver.StatusTooManyRequests {
		t.Fatalf("not a limited, allowed response: %d %v", w.status, w.h.Get("RateLimit"))
	}
	if n := testing.AllocsPerRun(1000, serve); n != 0 {
		t.Errorf("%v allocations per allowed request, want 0", n)
	}
}
