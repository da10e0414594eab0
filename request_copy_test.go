package httpserver

import (
	"context"
	"sync"
	"testing"
)

type ctxKey int

// TestWithContextCopies: the copies WithContext makes (the first ones in
// the exchange's storage, the rest allocated) are distinct, carry their
// own context and share the request's data, also when made concurrently.
func TestWithContextCopies(t *testing.T) {
	const n = 8
	serveBytes(HandlerFunc(func(w ResponseWriter, r *Request) {
		copies := make([]*Request, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				copies[i] = r.WithContext(context.WithValue(context.Background(), ctxKey(0), i))
			})
		}
		wg.Wait()
		seen := map[*Request]bool{r: true}
		for i, c := range copies {
			if seen[c] {
				t.Errorf("copy %d is not a distinct request", i)
			}
			seen[c] = true
			if got := c.Context().Value(ctxKey(0)); got != i {
				t.Errorf("copy %d has the context of %v", i, got)
			}
			if c.Path != "/p" || c.Header.Get("X-A") != "1" {
				t.Errorf("copy %d: path %q, X-A %q", i, c.Path, c.Header.Get("X-A"))
			}
		}
		if r.Context().Value(ctxKey(0)) != nil {
			t.Error("the original request's context changed")
		}
	}), []byte("GET /p HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n\r\n"))
}
