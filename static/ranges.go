package static

import (
	"errors"
	"math"
	"slices"
	"strings"

	"github.com/rawsock/httpserver/internal/syntax"
)

// maxRanges caps the range-specs of one Range field. More is an indication
// of a broken client or a denial-of-service attempt (RFC 9110 §14.2) and is
// answered 416.
const maxRanges = 32

// Range parsing outcomes other than success.
var (
	// errRangeUnit: the range unit is not "bytes"; the field is ignored
	// (RFC 9110 §14.2).
	errRangeUnit = errors.New("static: unsupported range unit")
	// errRangeInvalid: the field does not parse; answered 416 (§14.2,
	// §15.5.17).
	errRangeInvalid = errors.New("static: invalid range")
	// errRangeUnsatisfiable: no range overlaps the representation; 416
	// (§14.1.1).
	errRangeUnsatisfiable = errors.New("static: unsatisfiable range")
	// errRangeTooMany: more than maxRanges range-specs; 416.
	errRangeTooMany = errors.New("static: too many ranges")
)

// byteRange is a satisfiable range of a representation.
type byteRange struct {
	start, length int64
}

func (r byteRange) end() int64 { return r.start + r.length } // exclusive

// parseRange parses a Range field value (RFC 9110 §14.1.1 and §14.2) for a
// representation of size bytes. It returns the satisfiable ranges sorted
// and with overlapping or adjacent ones coalesced (allowed by §15.3.7.2),
// so that the response is never larger than the representation plus the
// multipart framing.
func parseRange(s string, size int64) ([]byteRange, error) {
	unit, set, ok := strings.Cut(s, "=")
	if !ok {
		return nil, errRangeInvalid
	}
	// §14.1: range units compare case-insensitively; only "bytes" is
	// known here.
	if !strings.EqualFold(unit, "bytes") {
		// range-unit = token (RFC 9110 §14.1).
		if !syntax.ValidToken(unit) {
			return nil, errRangeInvalid
		}
		return nil, errRangeUnit
	}
	var out []byteRange
	specs := 0
	for set != "" {
		var spec string
		spec, set, _ = strings.Cut(set, ",")
		spec = syntax.TrimOWS(spec)
		if spec == "" {
			continue // §5.6.1: empty list elements are allowed
		}
		if specs++; specs > maxRanges {
			return nil, errRangeTooMany
		}
		first, last, ok := strings.Cut(spec, "-")
		if !ok {
			return nil, errRangeInvalid
		}
		if first == "" {
			// suffix-range = "-" suffix-length
			n, ok := parseDigits(last)
			if !ok {
				return nil, errRangeInvalid
			}
			if n == 0 || size == 0 {
				continue // §14.1.1: unsatisfiable
			}
			n = min(n, size)
			out = append(out, byteRange{size - n, n})
			continue
		}
		// int-range = first-pos "-" [ last-pos ]
		a, ok := parseDigits(first)
		if !ok {
			return nil, errRangeInvalid
		}
		b := int64(math.MaxInt64)
		if last != "" {
			if b, ok = parseDigits(last); !ok {
				return nil, errRangeInvalid
			}
			// §14.1.1: last-pos below first-pos is invalid.
			if b < a {
				return nil, errRangeInvalid
			}
		}
		if a >= size {
			continue // §14.1.1: unsatisfiable
		}
		b = min(b, size-1)
		out = append(out, byteRange{a, b - a + 1})
	}
	if specs == 0 {
		return nil, errRangeInvalid // §14.1.1: range-set is 1#range-spec
	}
	if len(out) == 0 {
		return nil, errRangeUnsatisfiable
	}
	return coalesce(out), nil
}

// coalesce sorts ranges by start and merges those that overlap or touch.
func coalesce(rs []byteRange) []byteRange {
	if len(rs) < 2 {
		return rs
	}
	slices.SortFunc(rs, func(x, y byteRange) int {
		switch {
		case x.start < y.start:
			return -1
		case x.start > y.start:
			return 1
		}
		return 0
	})
	out := rs[:1]
	for _, r := range rs[1:] {
		cur := &out[len(out)-1]
		if r.start <= cur.end() {
			if e := r.end(); e > cur.end() {
				cur.length = e - cur.start
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

// parseDigits parses 1*DIGIT, saturating at math.MaxInt64 instead of
// overflowing: a position beyond any file is simply unsatisfiable.
func parseDigits(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			n = math.MaxInt64
			continue
		}
		n = n*10 + d
	}
	return n, true
}
