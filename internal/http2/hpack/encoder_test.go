package hpack

import (
	"strings"
	"testing"
)

// TestEncoderSizeUpdates checks the size updates at the start of the next
// block after the peer's SETTINGS_HEADER_TABLE_SIZE changes (RFC 7541 §4.2,
// §6.3), and that our decoder, told the same settings, accepts them.
func TestEncoderSizeUpdates(t *testing.T) {
	tests := []struct {
		name     string
		settings []uint32 // the peer's values between the two blocks
		limit    uint32   // SetMaxDynamicTableSizeLimit, 0: default
		want     string   // size updates at the start of the second block
	}{
		{"unchanged", []uint32{4096}, 0, ""},
		{"lowered", []uint32{1000}, 0, sizeUpdate(1000)},
		{"lowered to 0", []uint32{0}, 0, sizeUpdate(0)},
		{"raised above our limit: nothing changes", []uint32{65536}, 0, ""},
		{"raised with a larger limit", []uint32{8192}, 8192, sizeUpdate(8192)},
		{"lowered then raised back: smallest then final", []uint32{0, 4096}, 0, sizeUpdate(0) + sizeUpdate(4096)},
		{"lowered twice then raised: the smallest", []uint32{2000, 100, 3000}, 0, sizeUpdate(100) + sizeUpdate(3000)},
		{"lowered twice: the final only", []uint32{2000, 1000}, 0, sizeUpdate(1000)},
		{"raised then lowered to the same: nothing", []uint32{8192, 4096}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, d := NewEncoder(), NewDecoder(4096)
			if tt.limit != 0 {
				e.SetMaxDynamicTableSizeLimit(tt.limit)
			}
			fields := []HeaderField{hf("x-a", strings.Repeat("a", 40)), hf("x-b", "b")}
			first := e.AppendBlock(nil, fields...)
			if _, err := decodeAll(d, first); err != nil {
				t.Fatal(err)
			}
			for _, n := range tt.settings {
				e.SetMaxDynamicTableSize(n)
				d.SetAllowedMaxDynamicTableSize(n)
			}
			second := e.BeginBlock(nil)
			if got := hexOf(second); got != tt.want {
				t.Fatalf("size updates %s, want %s", got, tt.want)
			}
			for _, f := range fields {
				second = e.AppendField(second, f)
			}
			got, err := decodeAll(d, second)
			if err != nil || !equalFields(got, fields) {
				t.Fatalf("decoded %+v, %v; want %+v", got, err, fields)
			}
			if third := e.BeginBlock(nil); len(third) != 0 {
				t.Fatalf("size updates sent twice: % x", third)
			}
		})
	}
}

// TestEncoderRepresentations checks the indexing policy of AppendField.
func TestEncoderRepresentations(t *testing.T) {
	tests := []struct {
		field HeaderField
		want  string // the representation's first byte, as hex
	}{
		{hf(":method", "GET"), "82"},                                      // static, whole
		{hf(":authority", "example.com"), "41"},                           // static name, indexed
		{hf("x-custom", "v"), "40"},                                       // new name, indexed
		{HeaderField{Name: "x-token", Value: "v", Sensitive: true}, "10"}, // never indexed
		{hf("authorization", "Basic xyz"), "1f"},                          // never indexed, static name 23 (15 + 8)
		{hf("cookie", "short=1"), "1f"},                                   // short cookie: never indexed, name 32
		{hf("cookie", "session=0123456789abcdefghij"), "60"},              // long cookie: indexed, name 32
		{hf("content-length", "1234"), "0f"},                              // not indexed, name 28
		{hf(":path", "/search?q=1"), "04"},                                // not indexed, name 4
		{hf(":path", "/about"), "44"},                                     // indexed, name 4
		{hf("x-big", strings.Repeat("z", 3100)), "00"},                    // larger than 3/4 of the table
	}
	for _, tt := range tests {
		e := NewEncoder()
		b := e.AppendField(nil, tt.field)
		if got := hexOf(b[:1]); got != tt.want {
			t.Errorf("%s: first byte %s, want %s", tt.field.Name, got, tt.want)
		}
		got, err := decodeAll(NewDecoder(4096), b)
		if err != nil || len(got) != 1 || got[0].Name != tt.field.Name || got[0].Value != tt.field.Value {
			t.Errorf("%s: decoded %+v, %v", tt.field.Name, got, err)
		}
	}
}

// TestEncoderUsesDynamicTable checks that a repeated field becomes one index
// byte and that a long string is Huffman-coded only when shorter.
func TestEncoderUsesDynamicTable(t *testing.T) {
	e := NewEncoder()
	f := hf("x-trace", "abc")
	e.AppendBlock(nil, f)
	if got := hexOf(e.AppendBlock(nil, f)); got != "be" {
		t.Fatalf("repeated field: %s, want be (index 62)", got)
	}
	// Bytes with long codes: Huffman would be longer, so the literal is raw.
	raw := "\x00\x01\x02"
	b := e.AppendField(nil, hf("x-raw", raw))
	if b[len(b)-len(raw)-1] != byte(len(raw)) { // H bit clear, length 3
		t.Fatalf("% x: value not sent raw", b)
	}
}
