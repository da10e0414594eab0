package httpserver

import (
	"context"
	"strings"
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

// TestWithContextCopiesIndependent: a copy and its original never write
// into each other's path values or parsed query, also on a connection
// whose exchange (and its copies' storage) serves request after request.
func TestWithContextCopiesIndependent(t *testing.T) {
	h := HandlerFunc(func(w ResponseWriter, r *Request) {
		want := r.Header.Get("X-N")
		r.SetPathValue("id", want)
		r2 := r.WithContext(context.Background())
		r2.SetPathValue("x", "copy"+want)
		r.SetPathValue("y", "orig"+want)
		if r2.PathValue("id") != want || r2.PathValue("y") != "" || r.PathValue("x") != "" {
			t.Errorf("request %s: copy id=%q y=%q, original x=%q", want, r2.PathValue("id"), r2.PathValue("y"), r.PathValue("x"))
		}
		q2 := r2.Query().Get("q") // parsed into the copy's storage first
		q := r.Query().Get("q")
		if q2 != "v "+want || q != "v "+want || r2.Query().Get("q") != "v "+want {
			t.Errorf("request %s: query copy %q, original %q, copy after %q", want, q2, q, r2.Query().Get("q"))
		}
		r3 := r.WithContext(context.TODO()) // after parsing: the copy sees the values
		if r3.Query().Get("q") != "v "+want || r3.PathValue("y") != "orig"+want {
			t.Errorf("request %s: late copy query %q, y %q", want, r3.Query().Get("q"), r3.PathValue("y"))
		}
		w.WriteString(r2.PathValue("x"))
	})
	var in strings.Builder
	for _, n := range []string{"1", "2", "3"} {
		in.WriteString("GET /p?q=v%20" + n + " HTTP/1.1\r\nHost: h\r\nX-N: " + n + "\r\n\r\n")
	}
	out := string(serveBytes(h, []byte(in.String())))
	for _, n := range []string{"1", "2", "3"} {
		if !strings.Contains(out, "copy"+n) {
			t.Errorf("response to request %s missing:\n%s", n, out)
		}
	}
}
