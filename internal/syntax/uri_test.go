package syntax

import "testing"

func TestValidTargetBytes(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"", true}, // characters only: an empty target is the caller's to refuse
		{"/", true},
		{"*", true},
		{"/a/b?c=d&e=%20f", true},
		{"http://h:80/p;x?q", true},
		{"[::1]:80", true},
		{"/a#frag", false}, // RFC 9112 §3.2: no fragment
		{"/a b", false},
		{"/a\tb", false},
		{"/a\rb", false},
		{"/a\x00", false},
		{"/a\x7f", false},
		{"/caf\xc3\xa9", false},
		{"/\x80", false},
		{"/a\"b", false},
		{"/a<b>", false},
		{"/a\\b", false},
		{"/a{b}", false},
		{"/a|b", false},
		{"/a^b", false},
		{"/a`b", false},
	} {
		if got := ValidTargetBytes(tc.s); got != tc.want {
			t.Errorf("ValidTargetBytes(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestPctTripletAt(t *testing.T) {
	for _, tc := range []struct {
		s    string
		i    int
		want bool
	}{
		{"%20", 0, true},
		{"%aF", 0, true},
		{"a%2fb", 1, true},
		{"a%2fb", 0, false}, // not at a '%'
		{"%2", 0, false},
		{"%", 0, false},
		{"%g0", 0, false},
		{"%0g", 0, false},
		{"% 20", 0, false},
		{"%\x00\x00", 0, false},
		{"%\xff\xff", 0, false},
		{"%20", 3, false},
		{"", 0, false},
	} {
		if got := PctTripletAt(tc.s, tc.i); got != tc.want {
			t.Errorf("PctTripletAt(%q, %d) = %v, want %v", tc.s, tc.i, got, tc.want)
		}
	}
}

func TestValidPercents(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"", true},
		{"abc", true},
		{"%41", true},
		{"a%2Fb%2f", true},
		{"%", false},
		{"a%", false},
		{"a%2", false},
		{"%%41", false},
		{"%zz", false},
		{"%41%", false},
		{"%\x80\x80", false},
	} {
		if got := ValidPercents(tc.s); got != tc.want {
			t.Errorf("ValidPercents(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}
