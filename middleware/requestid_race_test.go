//go:build race

package middleware

import (
	"context"
	"testing"

	"github.com/rawsock/httpserver"
)

// TestRequestIDContextAfterReturnPanics checks the race-build guard: a
// request-ID context that the server's storage would reuse panics when
// used after its handler returned, while one the handler used as a
// context (here: Err) stays valid.
func TestRequestIDContextAfterReturnPanics(t *testing.T) {
	var kept, used context.Context
	h := RequestID(RequestIDOptions{})(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		if kept == nil {
			kept = r.Context()
			return
		}
		used = r.Context()
		_ = used.Err()
	}))
	url := serve(t, h) + "/"
	c := client(t)
	do(t, c, "GET", url, nil, nil)
	resp, _ := do(t, c, "GET", url, nil, nil)
	if RequestIDFrom(used) != resp.Header.Get(RequestIDHeader) {
		t.Errorf("used context: ID %q, header %q", RequestIDFrom(used), resp.Header.Get(RequestIDHeader))
	}
	for name, use := range map[string]func(){
		"RequestIDFrom": func() { RequestIDFrom(kept) },
		"Done":          func() { kept.Done() },
		"Value":         func() { kept.Value(struct{}{}) },
	} {
		func() {
			defer func() {
				if p := recover(); p != errContextAfterReturn {
					t.Errorf("%s after return: recovered %v, want errContextAfterReturn", name, p)
				}
			}()
			use()
		}()
	}
}
