package syntax

import "testing"

func TestValidFieldValue(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"", true},
		{"text/plain; charset=utf-8", true},
		{"a\tb c", true},
		{" leading and trailing\t", true}, // trimming is the caller's
		{"caf\xc3\xa9", true},             // obs-text kept as is
		{"\x80\xff", true},
		{"a\rb", false},
		{"a\nb", false},
		{"a\r\nX-Injected: 1", false},
		{"a\x00b", false},
		{"\x01", false},
		{"\x1f", false},
		{"a\x7f", false},
	} {
		if got := ValidFieldValue(tc.s); got != tc.want {
			t.Errorf("ValidFieldValue(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestTrimOWS(t *testing.T) {
	for _, tc := range []struct{ s, want string }{
		{"", ""},
		{" ", ""},
		{" \t \t", ""},
		{"a", "a"},
		{" a ", "a"},
		{"\ta b\t", "a b"},
		{"\r a \n", "\r a \n"}, // CR and LF are not OWS
		{"\x00a\x00", "\x00a\x00"},
		{"\xa0a\xa0", "\xa0a\xa0"}, // nor is a non-ASCII space
	} {
		if got := TrimOWS(tc.s); got != tc.want {
			t.Errorf("TrimOWS(%q) = %q, want %q", tc.s, got, tc.want)
		}
	}
}

func TestQuotedStringLen(t *testing.T) {
	for _, tc := range []struct {
		b    string
		want int
	}{
		{"", 0},
		{`"`, 0},
		{`""`, 2},
		{`"abc"`, 5},
		{`"abc";x`, 5},
		{`abc"`, 0},
		{`"a b\tc"`, 8},
		{`"a\"b"`, 6},
		{`"a\\"`, 5},
		{`"a\`, 0},
		{`"a\"`, 0},
		{"\"\xff\x80\"", 4},
		{"\"a\\\xff\"", 5},
		{"\"a\x00\"", 0},
		{"\"a\x7f\"", 0},
		{"\"a\r\n\"", 0},
		{"\"a\\\x00\"", 0},
		{`"unterminated`, 0},
	} {
		if got := QuotedStringLen([]byte(tc.b)); got != tc.want {
			t.Errorf("QuotedStringLen(%q) = %d, want %d", tc.b, got, tc.want)
		}
	}
}
