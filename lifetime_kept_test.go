package httpserver

import (
	"strings"
	"testing"
)

// TestKeptAfterReturn pins what README's "Lifetimes" paragraph says
// happens to a handler that keeps what the server lent it: strings from
// the request are never checked (zeroed under -race, the next request's
// bytes otherwise), and a kept ResponseWriter or Request method panics
// under -race but, in a normal build, acts on the next request of the
// same connection. If this changes, change the README with it.
func TestKeptAfterReturn(t *testing.T) {
	var (
		kept    []string
		keptW   ResponseWriter
		keptR   *Request
		panics  []any
		handled int
	)
	tryPanic := func(f func()) {
		defer func() { panics = append(panics, recover()) }()
		f()
	}
	out := serveBytes(HandlerFunc(func(w ResponseWriter, r *Request) {
		if handled == 0 {
			kept = append(kept, r.Path, r.Header.Get("X-A"), r.Query().Get("q"))
			keptW, keptR = w, r
		} else {
			tryPanic(func() { keptW.Header().Set("X-Kept", "1") })
			tryPanic(func() { keptR.Context() })
		}
		handled++
		w.WriteString("ok")
	}), []byte("GET /aaaa?q=xx HTTP/1.1\r\nHost: h\r\nX-A: one\r\n\r\n"+
		"GET /bbbb?q=yy HTTP/1.1\r\nHost: h\r\nX-A: two\r\n\r\n"))
	if handled != 2 {
		t.Fatalf("handled %d requests, want 2:\n%s", handled, out)
	}

	wantStrings := []string{"/bbbb", "two", "yy"}
	if raceEnabled {
		wantStrings = []string{"\x00\x00\x00\x00\x00", "\x00\x00\x00", "\x00\x00"}
	}
	for i, want := range wantStrings {
		if kept[i] != want {
			t.Errorf("kept string %d = %q after return, want %q (race=%v)", i, kept[i], want, raceEnabled)
		}
	}

	for i, p := range panics {
		if raceEnabled && p != errUsedAfterReturn {
			t.Errorf("use %d of a kept object under -race: recovered %v, want errUsedAfterReturn", i, p)
		}
		if !raceEnabled && p != nil {
			t.Errorf("use %d of a kept object during the next request: recovered %v, want none (README says it goes unnoticed)", i, p)
		}
	}
	second := string(out[strings.LastIndex(string(out), "HTTP/1.1 200"):])
	if got := strings.Contains(second, "X-Kept: 1"); got == raceEnabled {
		t.Errorf("second response carries the kept writer's field = %v, want %v (race=%v):\n%s", got, !raceEnabled, raceEnabled, out)
	}
}
