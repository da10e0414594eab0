package static

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestParseRange(t *testing.T) {
	r := func(start, length int64) byteRange { return byteRange{start, length} }
	tests := []struct {
		in   string
		size int64
		want []byteRange
		err  error
	}{
		{"bytes=0-9", 100, []byteRange{r(0, 10)}, nil},
		{"bytes=0-0", 100, []byteRange{r(0, 1)}, nil},
		{"BYTES=5-", 100, []byteRange{r(5, 95)}, nil},
		{"bytes=-10", 100, []byteRange{r(90, 10)}, nil},
		{"bytes=-500", 100, []byteRange{r(0, 100)}, nil},
		{"bytes=90-200", 100, []byteRange{r(90, 10)}, nil},
		{"bytes=0-1,5-6", 100, []byteRange{r(0, 2), r(5, 2)}, nil},
		{"bytes= 0-1 , 5-6 ", 100, []byteRange{r(0, 2), r(5, 2)}, nil},
		{"bytes=5-6,0-1", 100, []byteRange{r(0, 2), r(5, 2)}, nil},            // sorted
		{"bytes=0-10,5-20", 100, []byteRange{r(0, 21)}, nil},                  // overlap coalesced
		{"bytes=0-4,5-9", 100, []byteRange{r(0, 10)}, nil},                    // adjacent coalesced
		{"bytes=0-99,0-99,0-99", 100, []byteRange{r(0, 100)}, nil},            // amplification
		{"bytes=0-,-1", 100, []byteRange{r(0, 100)}, nil},                     //
		{"bytes=200-300,0-1", 100, []byteRange{r(0, 2)}, nil},                 // unsatisfiable one dropped
		{"bytes=,0-1,,", 100, []byteRange{r(0, 1+1)}, nil},                    // empty elements
		{"bytes=0-99999999999999999999999", 100, []byteRange{r(0, 100)}, nil}, // saturating
		{"bytes=100-", 100, nil, errRangeUnsatisfiable},
		{"bytes=-0", 100, nil, errRangeUnsatisfiable},
		{"bytes=0-", 0, nil, errRangeUnsatisfiable},
		{"bytes=-5", 0, nil, errRangeUnsatisfiable},
		{"bytes=99999999999999999999-", 100, nil, errRangeUnsatisfiable},
		{"items=0-5", 100, nil, errRangeUnit},
		{"bytes", 100, nil, errRangeInvalid},
		{"bytes=", 100, nil, errRangeInvalid},
		{"bytes=,", 100, nil, errRangeInvalid},
		{"bytes=5-1", 100, nil, errRangeInvalid},
		{"bytes=a-b", 100, nil, errRangeInvalid},
		{"bytes=1", 100, nil, errRangeInvalid},
		{"bytes=-", 100, nil, errRangeInvalid},
		{"bytes=--5", 100, nil, errRangeInvalid},
		{"bytes=+1-2", 100, nil, errRangeInvalid},
		{"bytes=0-1-2", 100, nil, errRangeInvalid},
		{"bytes =0-1", 100, nil, errRangeInvalid},
		{"by tes=0-1", 100, nil, errRangeInvalid},
		{"bytes=" + strings.Repeat("0-0,", maxRanges), 100, []byteRange{r(0, 1)}, nil},
		{"bytes=" + strings.Repeat("0-0,", maxRanges+1), 100, nil, errRangeTooMany},
	}
	for _, tt := range tests {
		got, err := parseRange(tt.in, tt.size)
		if !errors.Is(err, tt.err) {
			t.Errorf("parseRange(%q, %d) error = %v, want %v", tt.in, tt.size, err, tt.err)
			continue
		}
		if len(got) != len(tt.want) {
			t.Errorf("parseRange(%q, %d) = %v, want %v", tt.in, tt.size, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("parseRange(%q, %d) = %v, want %v", tt.in, tt.size, got, tt.want)
				break
			}
		}
	}
}

func TestParseDigits(t *testing.T) {
	if n, ok := parseDigits("99999999999999999999"); !ok || n != math.MaxInt64 {
		t.Errorf("saturation: %d %v", n, ok)
	}
	if n, ok := parseDigits("9223372036854775807"); !ok || n != math.MaxInt64 {
		t.Errorf("max: %d %v", n, ok)
	}
	if _, ok := parseDigits(""); ok {
		t.Error("empty accepted")
	}
}

// FuzzParseRange checks the invariants of parsed ranges: inside the
// representation, sorted, disjoint, and never more bytes than it has.
// Seeds live in testdata/fuzz/FuzzParseRange.
func FuzzParseRange(f *testing.F) {
	f.Add("bytes=0-9", int64(100))
	f.Add("bytes=-5,10-", int64(20))
	f.Fuzz(func(t *testing.T, s string, size int64) {
		if size < 0 {
			size = -size
			if size < 0 {
				size = 0
			}
		}
		rs, err := parseRange(s, size)
		if err != nil {
			if rs != nil {
				t.Fatalf("ranges %v with error %v", rs, err)
			}
			return
		}
		if len(rs) == 0 || len(rs) > maxRanges {
			t.Fatalf("%q: %d ranges", s, len(rs))
		}
		var total int64
		for i, r := range rs {
			if r.start < 0 || r.length <= 0 || r.end() > size {
				t.Fatalf("%q size %d: range %v out of bounds", s, size, r)
			}
			if i > 0 && r.start <= rs[i-1].end() {
				t.Fatalf("%q: ranges %v not sorted and disjoint", s, rs)
			}
			total += r.length
		}
		if total > size {
			t.Fatalf("%q: %d bytes of %d", s, total, size)
		}
	})
}
