package syntax

import "testing"

func TestValidToken(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"", false},
		{"GET", true},
		{"get", true},
		{"M-SEARCH", true},
		{"!#$%&'*+-.^_`|~09azAZ", true},
		{"Content-Length", true},
		{"Content-Length ", false}, // RFC 9112 §5.1: whitespace before the colon
		{" Host", false},
		{"a b", false},
		{"a\tb", false},
		{"a:b", false},
		{"a\"b", false},
		{"a(b)", false},
		{"a/b", false},
		{"a\x00", false},
		{"a\x7f", false},
		{"a\x80", false},
		{"\xff", false},
		{"caf\xc3\xa9", false},
	} {
		if got := ValidToken(tc.s); got != tc.want {
			t.Errorf("ValidToken(%q) = %v, want %v", tc.s, got, tc.want)
		}
		if got := ValidMethod(tc.s); got != tc.want {
			t.Errorf("ValidMethod(%q) = %v, want %v", tc.s, got, tc.want)
		}
		if got := ValidFieldName(tc.s); got != tc.want {
			t.Errorf("ValidFieldName(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestTokenLen(t *testing.T) {
	for _, tc := range []struct {
		b    string
		want int
	}{
		{"", 0},
		{"=x", 0},
		{"name", 4},
		{"name=value", 4},
		{"name;x", 4},
		{"na me", 2},
		{"a\x00b", 1},
		{"a\x7fb", 1},
		{"a\x80b", 1},
		{"\xff", 0},
	} {
		if got := TokenLen([]byte(tc.b)); got != tc.want {
			t.Errorf("TokenLen(%q) = %d, want %d", tc.b, got, tc.want)
		}
	}
}
