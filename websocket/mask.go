package websocket

import "encoding/binary"

// mask XORs b with the masking key (RFC 6455 §5.3), starting at key
// position pos (0..3), and returns the position after b. Masking is its
// own inverse, so this both masks and unmasks.
func mask(key [4]byte, pos int, b []byte) int {
	if len(b) >= 16 {
		// Rotate the key so that b[0] lines up with key[0], then XOR
		// eight bytes at a time.
		var k [8]byte
		for i := range 8 {
			k[i] = key[(pos+i)&3]
		}
		k64 := binary.LittleEndian.Uint64(k[:])
		for len(b) >= 8 {
			v := binary.LittleEndian.Uint64(b)
			binary.LittleEndian.PutUint64(b, v^k64)
			b = b[8:]
		}
	}
	for i := range b {
		b[i] ^= key[pos&3]
		pos++
	}
	return pos & 3
}
