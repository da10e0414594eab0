package httpserver

import (
	"fmt"
	"io"
	"net/http"
	"testing"
)

// TestH2CKeptAfterReturnPanics: under -race, a Request, ResponseWriter or
// Body an HTTP/2 handler kept panics with errUsedAfterReturn when used
// after its handler returned, as on HTTP/1 (the exchange is dropped, not
// pooled). In normal builds exchanges are pooled and the misuse goes
// unchecked, so the test needs the race detector.
func TestH2CKeptAfterReturnPanics(t *testing.T) {
	if !raceEnabled {
		t.Skip("use-after-return checks are made in -race builds")
	}
	forEachEngineH2C(t, func(t *testing.T, start modeStart, c *http.Client) {
		var (
			keptW ResponseWriter
			keptR *Request
		)
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			if keptW == nil {
				keptW, keptR = w, r
				w.WriteString("kept")
				return
			}
			var got []string
			for _, use := range []func(){
				func() { keptW.Header().Set("X-Kept", "1") },
				func() { keptW.Write([]byte("x")) },
				func() { keptR.Context() },
				func() { keptR.Body.Read(make([]byte, 1)) },
			} {
				got = append(got, fmt.Sprint(recovered(use) == errUsedAfterReturn))
			}
			w.WriteString(fmt.Sprint(got))
		}))
		for i, want := range []string{"kept", "[true true true true]"} {
			resp, err := c.Get(s.url("/"))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != want {
				t.Fatalf("request %d: %q, want %q (uses that panicked with errUsedAfterReturn)", i, b, want)
			}
		}
	})
}

// recovered runs f and returns what it panicked with.
func recovered(f func()) (p any) {
	defer func() { p = recover() }()
	f()
	return nil
}
