package hpack

import "slices"

//go:generate go run gen_huffman.go

// huffmanTransition is one entry of the generated decoding state machine.
type huffmanTransition struct {
	next  uint8 // the state after the 4 bits
	sym   uint8 // the symbol decoded, if flags has huffmanEmit
	flags uint8
}

const (
	huffmanEmit   = 1 << iota // a symbol was completed within the 4 bits
	huffmanAccept             // the input may end after these 4 bits (RFC 7541 §5.2 padding)
	huffmanFail               // the EOS symbol was decoded
)

// huffmanEncodedLen returns the length in bytes of s Huffman-coded.
func huffmanEncodedLen(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n += int(huffmanCodeLen[s[i]])
	}
	return (n + 7) / 8
}

// appendHuffman appends s Huffman-coded, padded with the most significant
// bits of EOS (all ones) to a whole byte (RFC 7541 §5.2).
func appendHuffman(dst []byte, s string) []byte {
	var acc uint64 // pending bits, right-aligned
	var n uint     // number of pending bits, < 32 between symbols
	for i := 0; i < len(s); i++ {
		c := s[i]
		acc = acc<<huffmanCodeLen[c] | uint64(huffmanCodes[c])
		n += uint(huffmanCodeLen[c])
		for n >= 32 {
			n -= 32
			v := uint32(acc >> n)
			dst = append(dst, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
		}
	}
	for n >= 8 {
		n -= 8
		dst = append(dst, byte(acc>>n))
	}
	if n > 0 {
		dst = append(dst, byte(acc<<(8-n))|byte(0xff>>n))
	}
	return dst
}

// appendHuffmanDecoded appends the Huffman-coded src decoded to dst. It fails
// with ErrStringTooLong if the decoded string is longer than maxLen bytes;
// it is at most 8/5 of len(src), as no code is shorter than 5 bits.
func appendHuffmanDecoded(dst, src []byte, maxLen int) ([]byte, error) {
	// No code is shorter than 5 bits: at most 8/5 symbols per byte.
	dst = slices.Grow(dst, min(len(src)*8/5, maxLen)+1)
	start := len(dst)
	state := uint8(0)
	var flags uint8 = huffmanAccept // nothing read yet: the empty string is valid
	for _, b := range src {
		t := &huffmanDecodeTable[state][b>>4]
		if t.flags&huffmanEmit != 0 {
			dst = append(dst, t.sym)
		}
		u := &huffmanDecodeTable[t.next][b&0x0f]
		if u.flags&huffmanEmit != 0 {
			dst = append(dst, u.sym)
		}
		if (t.flags|u.flags)&huffmanFail != 0 {
			// RFC 7541 §5.2: "A Huffman-encoded string literal containing
			// the EOS symbol MUST be treated as a decoding error."
			return dst, ErrHuffmanEOS
		}
		state, flags = u.next, u.flags
	}
	if len(dst)-start > maxLen {
		return dst, ErrStringTooLong
	}
	if flags&huffmanAccept == 0 {
		// RFC 7541 §5.2: padding longer than 7 bits, or padding that is not
		// the most significant bits of EOS, MUST be treated as a decoding error.
		return dst, ErrHuffmanPadding
	}
	return dst, nil
}
