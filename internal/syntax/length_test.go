package syntax

import (
	"strconv"
	"strings"
	"testing"
)

func TestParseContentLength(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want int64
		bad  string
		err  error
	}{
		{"0", 0, "", nil},
		{"5", 5, "", nil},
		{"007", 7, "", nil},
		{" 5\t", 5, "", nil},
		{"5, 5", 5, "", nil}, // RFC 9110 §8.6: identical values
		{"5,5,5", 5, "", nil},
		{"05, 5", 5, "", nil},
		{"999999999999999999", 999999999999999999, "", nil},
		{"", 0, "", ErrContentLengthSyntax},
		{" ", 0, "", ErrContentLengthSyntax},
		{"5,", 0, "", ErrContentLengthSyntax},
		{",5", 0, "", ErrContentLengthSyntax},
		{"5,,5", 0, "", ErrContentLengthSyntax},
		{"1000000000000000000", 0, "1000000000000000000", ErrContentLengthSyntax}, // 19 digits
		{"+5", 0, "+5", ErrContentLengthSyntax},
		{"-5", 0, "-5", ErrContentLengthSyntax},
		{"0x5", 0, "0x5", ErrContentLengthSyntax},
		{"5 5", 0, "5 5", ErrContentLengthSyntax},
		{"5\x00", 0, "5\x00", ErrContentLengthSyntax},
		{"5\x7f", 0, "5\x7f", ErrContentLengthSyntax},
		{"\xff", 0, "\xff", ErrContentLengthSyntax},
		{"5;q=1", 0, "5;q=1", ErrContentLengthSyntax},
		{"5, 6", 0, "6", ErrContentLengthConflict},
		{"5, 5, 50", 0, "50", ErrContentLengthConflict},
		{"5, x", 0, "x", ErrContentLengthSyntax},
	} {
		n, bad, err := ParseContentLength(tc.v)
		if n != tc.want || bad != tc.bad || err != tc.err {
			t.Errorf("ParseContentLength(%q) = %d, %q, %v; want %d, %q, %v", tc.v, n, bad, err, tc.want, tc.bad, tc.err)
		}
	}
}

// FuzzParseContentLength compares ParseContentLength with strconv: a value
// is accepted exactly when it is a list of digit strings of at most
// MaxContentLengthDigits, OWS around each, all of the same value.
func FuzzParseContentLength(f *testing.F) {
	for _, s := range []string{"0", "5", "5, 5", "5,6", "", "+1", "0x10", " 12 ", "1,", "9223372036854775807", "999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		n, bad, err := ParseContentLength(v)
		var want int64 = -1
		ok := true
		for _, item := range strings.Split(v, ",") {
			item = strings.Trim(item, " \t")
			digits := item != "" && len(item) <= MaxContentLengthDigits && strings.Trim(item, "0123456789") == ""
			if !digits {
				ok = false
				break
			}
			m, perr := strconv.ParseInt(item, 10, 64)
			if perr != nil {
				t.Fatalf("strconv rejects digit string %q: %v", item, perr)
			}
			if want >= 0 && m != want {
				ok = false
				break
			}
			want = m
		}
		if ok != (err == nil) {
			t.Fatalf("ParseContentLength(%q) = %d, %q, %v; strconv reading accepts: %v", v, n, bad, err, ok)
		}
		if ok && n != want {
			t.Fatalf("ParseContentLength(%q) = %d, want %d", v, n, want)
		}
		if !ok && !strings.Contains(v, bad) {
			t.Fatalf("ParseContentLength(%q) names %q, not part of the value", v, bad)
		}
	})
}
