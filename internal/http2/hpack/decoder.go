package hpack

import (
	"fmt"
	"unsafe"
)

// Default limits of a [Decoder]; the setters restore them when given 0.
const (
	// DefaultMaxHeaderListSize bounds a block's decoded fields, counted as
	// name + value + 32 each (RFC 9113 §6.5.2).
	DefaultMaxHeaderListSize = 64 << 10
	// DefaultMaxStringLength bounds one name or value, Huffman-decoded.
	DefaultMaxStringLength = 64 << 10
)

// noPending marks that the allowed maximum has not been lowered since the
// last header block.
const noPending = ^uint32(0)

// Decoder decodes header blocks of one connection direction (RFC 7541 §3).
// Its dynamic table carries over from block to block, so blocks must be
// decoded in the order they were sent. A Decoder is not safe for concurrent use.
type Decoder struct {
	table dynamicTable
	// allowed is the maximum size a size update may set: our
	// SETTINGS_HEADER_TABLE_SIZE (RFC 7541 §4.2, RFC 9113 §6.5.2).
	allowed uint32
	// lowest is the lowest allowed maximum since the last block if it is
	// below the table's maximum, else noPending: the next block must start
	// with a size update to at most this (RFC 7541 §4.2).
	lowest uint32

	maxListSize uint32
	maxString   uint32

	// buf holds the strings of the current block's fields; fields handed
	// out alias it until the next Decode.
	buf []byte
	// dropping is set once a block exceeds the header list limit: indexed
	// fields are then counted, not copied (an HPACK bomb of 1-byte indexes
	// to a large entry costs no copying).
	dropping bool
}

// NewDecoder returns a decoder whose dynamic table starts at, and may be
// resized up to, maxDynamicTableSize bytes. In HTTP/2 that is 4096 (RFC 9113
// §6.5.2) whatever SETTINGS_HEADER_TABLE_SIZE this endpoint announces: the
// peer may use 4096 until it has seen our SETTINGS, so announce a new value,
// then call [Decoder.SetAllowedMaxDynamicTableSize] when the peer
// acknowledges it.
func NewDecoder(maxDynamicTableSize uint32) *Decoder {
	d := &Decoder{
		allowed:     maxDynamicTableSize,
		lowest:      noPending,
		maxListSize: DefaultMaxHeaderListSize,
		maxString:   DefaultMaxStringLength,
	}
	d.table.setMaxSize(maxDynamicTableSize)
	return d
}

// SetMaxHeaderListSize sets the largest header list a block may decode to,
// counting name + value + 32 per field (RFC 9113 §6.5.2); 0 restores
// [DefaultMaxHeaderListSize].
func (d *Decoder) SetMaxHeaderListSize(n uint32) {
	if n == 0 {
		n = DefaultMaxHeaderListSize
	}
	d.maxListSize = n
}

// SetMaxStringLength sets the longest name or value accepted, after Huffman
// decoding; 0 restores [DefaultMaxStringLength].
func (d *Decoder) SetMaxStringLength(n uint32) {
	if n == 0 {
		n = DefaultMaxStringLength
	}
	d.maxString = n
}

// SetAllowedMaxDynamicTableSize sets the largest dynamic table size the
// peer's encoder may choose with a size update: call it when the peer
// acknowledges our new SETTINGS_HEADER_TABLE_SIZE. If n is below the table's
// current maximum, the next header block must start with a size update to
// at most n (RFC 7541 §4.2); until then the table keeps its size.
func (d *Decoder) SetAllowedMaxDynamicTableSize(n uint32) {
	d.allowed = n
	if n < d.table.maxSize && n < d.lowest {
		d.lowest = n
	}
}

// DynamicTableSize returns the dynamic table's current size and maximum
// size in bytes (RFC 7541 §4.1).
func (d *Decoder) DynamicTableSize() (size, maxSize uint32) {
	return d.table.size, d.table.maxSize
}

// DecodeAppend decodes a complete header block and appends its fields to
// dst. The fields' strings are valid until the next Decode or DecodeAppend
// on d. If the block exceeds the header list limit, the returned error wraps
// [ErrHeaderListTooLarge] and dst holds the fields that fit.
func (d *Decoder) DecodeAppend(dst []HeaderField, block []byte) ([]HeaderField, error) {
	err := d.decode(block, nil, &dst)
	return dst, err
}

// Decode decodes a complete header block (the HEADERS or PUSH_PROMISE
// fragment and its CONTINUATION fragments, concatenated) and calls emit for
// each field in order. The field's strings are valid until the next Decode
// or DecodeAppend on d. An error from emit ends decoding and is returned as
// is; the dynamic table is then out of step with the peer's.
func (d *Decoder) Decode(block []byte, emit func(HeaderField) error) error {
	return d.decode(block, emit, nil)
}

func (d *Decoder) decode(block []byte, emit func(HeaderField) error, out *[]HeaderField) error {
	d.buf = d.buf[:0]
	d.dropping = false
	var listSize uint64
	p := block

	// RFC 7541 §4.2: size updates come first in a block.
	minUpdate, updates := noPending, 0
	for len(p) > 0 && p[0]&0xe0 == 0x20 {
		n, k, err := readInt(p, 5)
		if err != nil {
			return err
		}
		if n > d.allowed {
			// RFC 7541 §6.3: "The new maximum size MUST be lower than or
			// equal to the limit determined by the protocol using HPACK."
			return fmt.Errorf("%w: %d > %d", ErrSizeUpdateTooLarge, n, d.allowed)
		}
		d.table.setMaxSize(n)
		minUpdate = min(minUpdate, n)
		updates++
		p = p[k:]
	}
	if d.lowest != noPending {
		// RFC 7541 §4.2: after the maximum is lowered, "This dynamic table
		// size update MUST occur at the beginning of the first header block
		// following the change", to at most the smallest value.
		if updates == 0 || minUpdate > d.lowest {
			return fmt.Errorf("%w: table maximum %d, allowed %d", ErrSizeUpdateMissing, d.table.maxSize, d.lowest)
		}
		d.lowest = noPending
	}

	var f HeaderField
	for len(p) > 0 {
		mark := len(d.buf)
		k, err := d.field(p, &f)
		if err != nil {
			return err
		}
		p = p[k:]
		listSize += uint64(len(f.Name)) + uint64(len(f.Value)) + entryOverhead
		if d.dropping || listSize > uint64(d.maxListSize) {
			// RFC 9113 §6.5.2, §10.5.1: the rest of the block is still
			// decoded so the table stays in sync; nothing more is kept.
			d.dropping = true
			d.buf = d.buf[:mark]
			continue
		}
		if out != nil {
			*out = append(*out, f)
		} else if err := emit(f); err != nil {
			return err
		}
	}
	if d.dropping {
		return fmt.Errorf("%w: more than %d bytes", ErrHeaderListTooLarge, d.maxListSize)
	}
	return nil
}

// field decodes one field representation at the start of p (RFC 7541 §6)
// into f and returns the number of bytes read.
func (d *Decoder) field(p []byte, f *HeaderField) (int, error) {
	*f = HeaderField{}
	b := p[0]
	switch {
	case b&0x80 != 0: // RFC 7541 §6.1: indexed header field
		i, k, err := readInt(p, 7)
		if err != nil {
			return 0, err
		}
		return k, d.indexed(i, true, d.dropping, f)
	case b&0xc0 == 0x40: // §6.2.1: literal with incremental indexing
		k, err := d.literal(p, 6, f)
		if err != nil {
			return 0, err
		}
		d.table.add(f.Name, f.Value)
		return k, nil
	case b&0xe0 == 0x20:
		// RFC 7541 §4.2: "This dynamic table size update MUST occur at
		// the beginning of the first header block following the change".
		return 0, ErrSizeUpdateMisplaced
	default: // §6.2.2 without indexing (0000), §6.2.3 never indexed (0001)
		k, err := d.literal(p, 4, f)
		f.Sensitive = b&0x10 != 0
		return k, err
	}
}

// indexed sets f to the field at index i of the static and dynamic tables
// (RFC 7541 §2.3.3); withValue false sets the name only. Dynamic entries are
// copied into d.buf, since the table may change within the block, unless
// noCopy: then the strings alias the table and must be dropped at once.
func (d *Decoder) indexed(i uint32, withValue, noCopy bool, f *HeaderField) error {
	switch {
	case i == 0:
		// RFC 7541 §6.1: "The index value of 0 is not used. It MUST be
		// treated as a decoding error if found in an indexed header field
		// representation."
		return fmt.Errorf("%w: index 0", ErrInvalidIndex)
	case i <= staticTableLen:
		f.Name = staticTable[i-1].Name
		if withValue {
			f.Value = staticTable[i-1].Value
		}
		return nil
	case i-staticTableLen <= uint32(d.table.count):
		b, n := d.table.getBytes(int(i - staticTableLen))
		if !withValue {
			b = b[:n]
		}
		if !noCopy {
			// One copy of name and value, adjacent in the table.
			start := len(d.buf)
			d.buf = append(d.buf, b...)
			b = d.buf[start:]
		}
		f.Name, f.Value = bufString(b[:n]), bufString(b[n:])
		return nil
	default:
		// RFC 7541 §2.3.3: "Indices strictly greater than the sum of the
		// lengths of both tables MUST be treated as a decoding error."
		return fmt.Errorf("%w: index %d, tables hold %d", ErrInvalidIndex, i, staticTableLen+uint32(d.table.count))
	}
}

// literal decodes a literal field representation whose index has an
// n-bit prefix (RFC 7541 §6.2) into f.
func (d *Decoder) literal(p []byte, n uint8, f *HeaderField) (int, error) {
	i, k, err := readInt(p, n)
	if err != nil {
		return 0, err
	}
	if i != 0 {
		if err = d.indexed(i, false, false, f); err != nil {
			return 0, err
		}
	} else {
		name, m, err := d.string(p[k:])
		if err != nil {
			return 0, err
		}
		f.Name = name
		k += m
	}
	value, m, err := d.string(p[k:])
	if err != nil {
		return 0, err
	}
	f.Value = value
	return k + m, nil
}

// string decodes a string literal (RFC 7541 §5.2) into d.buf.
func (d *Decoder) string(p []byte) (string, int, error) {
	if len(p) == 0 {
		return "", 0, ErrTruncated
	}
	huffman := p[0]&0x80 != 0
	n, k, err := readInt(p, 7)
	if err != nil {
		return "", 0, err
	}
	if n > d.maxString {
		// RFC 7541 §7.3: limit the memory a peer can make us commit;
		// checked before anything is copied. A Huffman string's decoded
		// length (at most 8/5 of this) is checked after decoding.
		return "", 0, fmt.Errorf("%w: %d bytes, limit %d", ErrStringTooLong, n, d.maxString)
	}
	if uint32(len(p)-k) < n {
		return "", 0, ErrTruncated
	}
	src := p[k : k+int(n)]
	start := len(d.buf)
	if huffman {
		d.buf, err = appendHuffmanDecoded(d.buf, src, int(d.maxString))
		if err != nil {
			if err == ErrStringTooLong {
				err = fmt.Errorf("%w: Huffman-decoded, limit %d", ErrStringTooLong, d.maxString)
			}
			return "", 0, err
		}
	} else {
		d.buf = append(d.buf, src...)
	}
	return bufString(d.buf[start:]), k + int(n), nil
}

// bufString returns b as a string without copying. b must not change while
// the string is in use: d.buf is only overwritten by the next block, and a
// growing d.buf moves to a new array, leaving earlier strings intact.
func bufString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
