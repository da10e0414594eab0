//go:build !race

package syntax

import "testing"

// TestNoAllocations pins the rules at zero allocations, failures included:
// the root's parser calls them for every request.
func TestNoAllocations(t *testing.T) {
	sink := false
	allocs := testing.AllocsPerRun(100, func() {
		_, _, err1 := ParseContentLength("12, 12")
		_, _, err2 := ParseContentLength("1, 2")
		_, _, err3 := ParseContentLength("x")
		sink = err1 == nil && err2 != nil && err3 != nil &&
			ValidToken("Content-Type") && ValidFieldValue("text/plain") &&
			ValidAuthority("example.com:80") && ValidConnectAuthority("[::1]:443") &&
			ValidTargetBytes("/a?b") && ValidPercents("%41") &&
			TrimOWS(" x ") == "x" && QuotedStringLen([]byte(`"q"`)) == 3
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per run, want 0", allocs)
	}
	if !sink {
		t.Fatal("a rule gave an unexpected answer")
	}
}
