package hpack

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// sizeUpdate returns a dynamic table size update to n (RFC 7541 §6.3) as hex.
func sizeUpdate(n uint32) string { return hexOf(appendInt(nil, 0x20, 5, n)) }

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	var s strings.Builder
	for _, c := range b {
		s.WriteByte(digits[c>>4])
		s.WriteByte(digits[c&15])
	}
	return s.String()
}

// TestDecodeRejects checks every rejection rule of the decoder, with the
// RFC 7541 section it enforces.
func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name  string
		setup func(d *Decoder)
		block string
		want  error
	}{
		{"§6.1 index 0", nil, "80", ErrInvalidIndex},
		{"§2.3.3 index beyond an empty dynamic table", nil, "be", ErrInvalidIndex},
		{"§2.3.3 literal name index beyond the tables", nil, "7f07 0161", ErrInvalidIndex},
		{"§2.3.3 never-indexed name index beyond the tables", nil, "1f2f 0161", ErrInvalidIndex},
		{"§6.3 size update above the allowed maximum", nil, sizeUpdate(4097), ErrSizeUpdateTooLarge},
		{"§6.3 size update above a lowered maximum", func(d *Decoder) { d.SetAllowedMaxDynamicTableSize(100) }, sizeUpdate(101), ErrSizeUpdateTooLarge},
		{"§2.3.3 name index 2^32-1, the largest integer", nil, "0f f0ffffff0f", ErrInvalidIndex},
		{"§4.2 size update after a field", nil, "82 20", ErrSizeUpdateMisplaced},
		{"§4.2 size update after a literal", nil, "0001 6101 62 3f e1 1f", ErrSizeUpdateMisplaced},
		{"§4.2 missing size update after the maximum was lowered", func(d *Decoder) { d.SetAllowedMaxDynamicTableSize(100) }, "82", ErrSizeUpdateMissing},
		{"§4.2 missing size update in an empty block", func(d *Decoder) { d.SetAllowedMaxDynamicTableSize(0) }, "", ErrSizeUpdateMissing},
		{"§4.2 lowered then raised: the smallest value is owed", func(d *Decoder) {
			d.SetAllowedMaxDynamicTableSize(10)
			d.SetAllowedMaxDynamicTableSize(4096)
		}, sizeUpdate(4096) + "82", ErrSizeUpdateMissing},
		{"§5.1 integer above 2^32-1", nil, "ff ff ff ff ff 7f", ErrIntegerOverflow},
		{"§5.1 integer with 6 continuation bytes", nil, "ff 80 80 80 80 80 00", ErrIntegerOverflow},
		{"§5.1 integer truncated after the prefix", nil, "ff", ErrTruncated},
		{"§5.1 integer truncated in continuation", nil, "ff 80", ErrTruncated},
		{"§5.1 string length truncated", nil, "00 7f", ErrTruncated},
		{"§5.2 string shorter than its length", nil, "0001 6105 61", ErrTruncated},
		{"§6.2 literal without its value", nil, "0001 61", ErrTruncated},
		{"§6.2 literal without its name", nil, "40", ErrTruncated},
		{"§7.3 name longer than the limit, before its bytes arrive", func(d *Decoder) { d.SetMaxStringLength(10) }, "000b", ErrStringTooLong},
		{"§7.3 value longer than the limit", func(d *Decoder) { d.SetMaxStringLength(10) }, "0001 61 0b 6161616161616161616161", ErrStringTooLong},
		{"§7.3 Huffman value decoding past the limit", func(d *Decoder) { d.SetMaxStringLength(2) }, "0001 61 82 0001", ErrStringTooLong},
		{"§5.2 Huffman EOS", nil, "0001 61 85 ffffffff fc", ErrHuffmanEOS},
		{"§5.2 Huffman padding of 8 bits", nil, "0001 61 81 ff", ErrHuffmanPadding},
		{"§5.2 Huffman padding of 8 bits after a symbol", nil, "0001 61 82 1fff", ErrHuffmanPadding},
		{"§5.2 Huffman padding not all ones", nil, "0001 61 81 18", ErrHuffmanPadding},
		{"§5.2 Huffman padding of 29 bits", nil, "0001 61 85 ff9fffffff", ErrHuffmanPadding},
		{"RFC 9113 §6.5.2 header list too large", func(d *Decoder) { d.SetMaxHeaderListSize(80) }, "82 82", ErrHeaderListTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder(4096)
			if tt.setup != nil {
				tt.setup(d)
			}
			_, err := decodeAll(d, dehex(t, tt.block))
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
		})
	}
}

// TestDecodeAccepts covers the valid edge cases next to the rejections.
func TestDecodeAccepts(t *testing.T) {
	tests := []struct {
		name  string
		setup func(d *Decoder)
		block string
		want  []HeaderField
	}{
		{"empty block", nil, "", nil},
		{"size update alone", nil, sizeUpdate(0), nil},
		{"two size updates at the start", nil, sizeUpdate(0) + sizeUpdate(4096) + "82", []HeaderField{hf(":method", "GET")}},
		{"size update to the lowered maximum", func(d *Decoder) { d.SetAllowedMaxDynamicTableSize(100) }, sizeUpdate(100) + "82", []HeaderField{hf(":method", "GET")}},
		{"lowered then raised: smallest then final", func(d *Decoder) {
			d.SetAllowedMaxDynamicTableSize(10)
			d.SetAllowedMaxDynamicTableSize(4096)
		}, sizeUpdate(10) + sizeUpdate(4096) + "82", []HeaderField{hf(":method", "GET")}},
		{"raised: no size update needed", func(d *Decoder) { d.SetAllowedMaxDynamicTableSize(8192) }, "82", []HeaderField{hf(":method", "GET")}},
		{"index 61, the last static entry", nil, "bd", []HeaderField{hf("www-authenticate", "")}},
		{"string of exactly the limit", func(d *Decoder) { d.SetMaxStringLength(3) }, "0003 616263 00", []HeaderField{hf("abc", "")}},
		{"Huffman empty string", nil, "0001 61 80", []HeaderField{hf("a", "")}},
		{"Huffman padding of 7 bits", nil, "0001 61 84 18c631ff", []HeaderField{hf("a", "aaaaa")}},
		{"never indexed is sensitive", nil, "1001 61 0162", []HeaderField{{Name: "a", Value: "b", Sensitive: true}}},
		{"sensitivity does not carry to the next field", nil, "1001 61 0162 4001 63 0164 0001 65 0166",
			[]HeaderField{{Name: "a", Value: "b", Sensitive: true}, hf("c", "d"), hf("e", "f")}},
		{"header list of exactly the limit", func(d *Decoder) { d.SetMaxHeaderListSize(84) }, "82 82", []HeaderField{hf(":method", "GET"), hf(":method", "GET")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder(4096)
			if tt.setup != nil {
				tt.setup(d)
			}
			got, err := decodeAll(d, dehex(t, tt.block))
			if err != nil {
				t.Fatal(err)
			}
			if !equalFields(got, tt.want) {
				t.Fatalf("fields %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestDecodeHeaderListTooLargeKeepsTable checks that a block over the header
// list limit is still decoded to its end, so the dynamic table stays in sync
// and the next block decodes (RFC 9113 §6.5.2, §10.5.1).
func TestDecodeHeaderListTooLargeKeepsTable(t *testing.T) {
	d := NewDecoder(4096)
	d.SetMaxHeaderListSize(50) // :method GET is 42, a: b 34
	got, err := d.DecodeAppend(nil, dehex(t, "82 4001 61 01 62 be"))
	if !errors.Is(err, ErrHeaderListTooLarge) {
		t.Fatalf("error %v, want %v", err, ErrHeaderListTooLarge)
	}
	if !equalFields(got, []HeaderField{hf(":method", "GET")}) {
		t.Fatalf("fields kept %+v, want the first only", got)
	}
	got, err = d.DecodeAppend(got[:0], dehex(t, "be"))
	if err != nil || !equalFields(got, []HeaderField{hf("a", "b")}) {
		t.Fatalf("next block: %+v, %v; want a: b from the table", got, err)
	}
}

// TestDecodeCallbackError checks that emit's error ends decoding as is.
func TestDecodeCallbackError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := NewDecoder(4096).Decode(dehex(t, "82 86 84"), func(HeaderField) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Fatalf("error %v after %d fields, want %v after 1", err, n, stop)
	}
}

// TestDecodeStringsAlias checks the documented lifetime: a block's strings
// stay intact while that block is decoded, even when the dynamic table
// evicts the entries they came from, and are reused by the next block.
func TestDecodeStringsAlias(t *testing.T) {
	d := NewDecoder(64) // room for one 2-byte entry at a time
	// a: b indexed, then referenced (be), then c: d evicts it.
	got, err := d.DecodeAppend(nil, dehex(t, "4001 61 01 62 be 4001 63 01 64 be"))
	if err != nil {
		t.Fatal(err)
	}
	want := []HeaderField{hf("a", "b"), hf("a", "b"), hf("c", "d"), hf("c", "d")}
	if !equalFields(got, want) {
		t.Fatalf("fields %+v, want %+v", got, want)
	}
}

// TestDecodeHPACKBomb sends one 4000-byte entry, then a block of 100,000
// one-byte references to it (400 MB decoded) and 100 literals of 1000 bytes:
// the decoder stops keeping fields at the header list limit, and its buffer
// stays within the limit (RFC 7541 §7.3).
func TestDecodeHPACKBomb(t *testing.T) {
	d := NewDecoder(4096)
	big := appendInt(nil, 0x40, 6, 0)
	big = append(appendInt(big, 0, 7, 1), 'x')
	big = appendInt(big, 0, 7, 4000)
	big = append(big, strings.Repeat("v", 4000)...)
	if _, err := d.DecodeAppend(nil, big); err != nil {
		t.Fatal(err)
	}
	bomb := []byte(strings.Repeat("\xbe", 100_000))
	literal := append(appendInt([]byte("\x00\x01y"), 0, 7, 1000), strings.Repeat("w", 1000)...)
	bomb = append(bomb, bytes.Repeat(literal, 100)...)
	fields, err := d.DecodeAppend(nil, bomb)
	if !errors.Is(err, ErrHeaderListTooLarge) {
		t.Fatalf("error %v, want %v", err, ErrHeaderListTooLarge)
	}
	if kept := len(fields); kept != DefaultMaxHeaderListSize/(4001+32) || fields[0].Name != "x" {
		t.Errorf("%d fields kept, want %d", kept, DefaultMaxHeaderListSize/(4001+32))
	}
	if cap(d.buf) > 2*DefaultMaxHeaderListSize {
		t.Errorf("decoder buffer grew to %d bytes", cap(d.buf))
	}
}
