package hpack

import (
	"errors"
	"math"
	"testing"
)

// TestIntegerRoundTrip encodes and decodes integers around each prefix's
// boundaries (RFC 7541 §5.1), including C.1's examples.
func TestIntegerRoundTrip(t *testing.T) {
	for n := uint8(1); n <= 8; n++ {
		limit := uint32(1)<<n - 1
		for _, v := range []uint32{0, 1, limit - 1, limit, limit + 1, limit + 127, limit + 128, 1337, 1 << 20, math.MaxUint32 - 1, math.MaxUint32} {
			b := appendInt([]byte{}, 0, n, v)
			got, k, err := readInt(append(b, 0xaa), n)
			if err != nil || got != v || k != len(b) {
				t.Errorf("prefix %d, %d: encoded % x, decoded %d (%d bytes, %v)", n, v, b, got, k, err)
			}
			if len(b) > 1+maxIntContinuation {
				t.Errorf("prefix %d, %d: %d bytes", n, v, len(b))
			}
		}
	}
	// RFC 7541 C.1.1-C.1.3.
	for _, c := range []struct {
		n    uint8
		v    uint32
		want string
	}{{5, 10, "0a"}, {5, 1337, "1f9a0a"}, {8, 42, "2a"}} {
		if got := hexOf(appendInt(nil, 0, c.n, c.v)); got != c.want {
			t.Errorf("C.1: %d with a %d-bit prefix: %s, want %s", c.v, c.n, got, c.want)
		}
	}
}

// TestIntegerLimits checks the uint32 range and the continuation byte cap.
func TestIntegerLimits(t *testing.T) {
	tests := []struct {
		in   string
		n    uint8
		want error
	}{
		{"ff f0ffffff0f", 8, ErrIntegerOverflow}, // 255 + 2^32-16 > 2^32-1
		{"1f e0ffffff0f", 5, nil},                // 31 + 2^32-32 = 2^32-1
		{"1f e1ffffff0f", 5, ErrIntegerOverflow}, // 2^32
		{"1f 8080808080 00", 5, ErrIntegerOverflow},
		{"1f 8080808000", 5, nil}, // 5 continuation bytes of padding are allowed
		{"1f", 5, ErrTruncated},
		{"", 5, ErrTruncated},
	}
	for _, tt := range tests {
		_, _, err := readInt(dehex(t, tt.in), tt.n)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s (prefix %d): %v, want %v", tt.in, tt.n, err, tt.want)
		}
	}
}
