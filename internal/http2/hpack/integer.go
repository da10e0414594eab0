package hpack

import "math"

// maxIntContinuation is the most continuation bytes an integer may have: 5
// carry 35 bits, enough for any uint32 after the prefix.
const maxIntContinuation = 5

// appendInt appends v as an HPACK integer with an n-bit prefix (RFC 7541
// §5.1); first holds the bits above the prefix in the first byte.
func appendInt(dst []byte, first byte, n uint8, v uint32) []byte {
	limit := uint32(1)<<n - 1
	if v < limit {
		return append(dst, first|byte(v))
	}
	dst = append(dst, first|byte(limit))
	v -= limit
	for v >= 0x80 {
		dst = append(dst, byte(v)|0x80)
		v >>= 7
	}
	return append(dst, byte(v))
}

// readInt decodes an integer with an n-bit prefix at the start of b (RFC
// 7541 §5.1) and returns it with the number of bytes read.
func readInt(b []byte, n uint8) (uint32, int, error) {
	if len(b) == 0 {
		return 0, 0, ErrTruncated
	}
	limit := uint32(1)<<n - 1
	v := uint32(b[0]) & limit
	if v < limit {
		return v, 1, nil
	}
	m := uint64(v)
	for i := 1; i < len(b); i++ {
		if i > maxIntContinuation {
			// RFC 7541 §5.1 leaves the range to the implementation
			// ("Integer encodings that exceed implementation limits ...
			// MUST be treated as decoding errors", §5.1): ours is uint32.
			return 0, 0, ErrIntegerOverflow
		}
		c := b[i]
		m += uint64(c&0x7f) << (7 * uint(i-1))
		if m > math.MaxUint32 {
			return 0, 0, ErrIntegerOverflow
		}
		if c&0x80 == 0 {
			return uint32(m), i + 1, nil
		}
	}
	return 0, 0, ErrTruncated
}
