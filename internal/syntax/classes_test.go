package syntax

import (
	"strings"
	"testing"
)

// The character classes, spelt out from the RFC grammars independently of
// the tables: every byte is checked against them.
const (
	alpha      = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	digit      = "0123456789"
	unreserved = alpha + digit + "-._~"            // RFC 3986 §2.3
	subDelims  = "!$&'()*+,;="                     // RFC 3986 §2.2
	genDelims  = ":/?#[]@"                         // RFC 3986 §2.2
	tcharSet   = alpha + digit + "!#$%&'*+-.^_`|~" // RFC 9110 §5.6.2
)

func TestCharacterClasses(t *testing.T) {
	for _, tc := range []struct {
		name string
		is   func(byte) bool
		want func(c int) bool
	}{
		{"IsTokenByte", IsTokenByte, func(c int) bool {
			return c < 0x80 && strings.IndexByte(tcharSet, byte(c)) >= 0
		}},
		{"IsFieldValueByte", IsFieldValueByte, func(c int) bool {
			// VCHAR %x21-7E, obs-text %x80-FF, SP, HTAB.
			return 0x21 <= c && c <= 0x7e || c >= 0x80 || c == ' ' || c == '\t'
		}},
		{"IsTargetByte", IsTargetByte, func(c int) bool {
			return c < 0x80 && c != '#' && strings.IndexByte(unreserved+subDelims+genDelims+"%", byte(c)) >= 0
		}},
		{"IsRegNameByte", IsRegNameByte, func(c int) bool {
			return c < 0x80 && strings.IndexByte(unreserved+subDelims+"%", byte(c)) >= 0
		}},
	} {
		for c := 0; c < 256; c++ {
			if got, want := tc.is(byte(c)), tc.want(c); got != want {
				t.Errorf("%s(%#02x %q) = %v, want %v", tc.name, c, rune(c), got, want)
			}
		}
	}
}

// TestCharacterClassEdges names the bytes most likely to be mishandled, so
// that a failure reads plainly.
func TestCharacterClassEdges(t *testing.T) {
	for _, tc := range []struct {
		c                         byte
		token, fieldValue, target bool
	}{
		{0x00, false, false, false},
		{'\t', false, true, false},
		{'\n', false, false, false},
		{'\r', false, false, false},
		{' ', false, true, false},
		{'"', false, true, false},
		{'#', true, true, false},
		{'%', true, true, true},
		{':', false, true, true},
		{'|', true, true, false},
		{0x7f, false, false, false},
		{0x80, false, true, false},
		{0xff, false, true, false},
	} {
		if got := IsTokenByte(tc.c); got != tc.token {
			t.Errorf("IsTokenByte(%#02x) = %v", tc.c, got)
		}
		if got := IsFieldValueByte(tc.c); got != tc.fieldValue {
			t.Errorf("IsFieldValueByte(%#02x) = %v", tc.c, got)
		}
		if got := IsTargetByte(tc.c); got != tc.target {
			t.Errorf("IsTargetByte(%#02x) = %v", tc.c, got)
		}
	}
}
