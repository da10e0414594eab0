package httpserver

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

// TestReuseSlot checks Request.ReuseSlot: a request the server made has
// a slot, shared by its WithContext copies, that keeps its value for the
// next request on the connection (empty at every request in race
// builds, which never reuse per-request storage); a request built by
// hand has none.
func TestReuseSlot(t *testing.T) {
	var seen []any
	h := HandlerFunc(func(w ResponseWriter, r *Request) {
		slot := r.ReuseSlot()
		if slot == nil {
			t.Fatal("no slot on a request the server made")
		}
		if r.WithContext(context.Background()).ReuseSlot() != slot {
			t.Error("a copy has a slot of its own")
		}
		seen = append(seen, *slot)
		*slot = len(seen)
	})
	serveBytes(h, []byte(strings.Repeat("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 3)))
	want := []any{nil, 1, 2}
	if raceEnabled {
		want = []any{nil, nil, nil}
	}
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("slot values seen %v, want %v", seen, want)
	}
	if (&Request{}).ReuseSlot() != nil {
		t.Error("a request built by hand has a slot")
	}
}
