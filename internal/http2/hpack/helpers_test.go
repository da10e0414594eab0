package hpack

import (
	"encoding/hex"
	"strings"
	"testing"
)

// dehex decodes hex digits, ignoring white space.
func dehex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// entries returns the dynamic table's entries, newest first.
func (t *dynamicTable) entries() []HeaderField {
	var out []HeaderField
	for i := 1; i <= t.count; i++ {
		name, value := t.get(i)
		out = append(out, HeaderField{Name: string(name), Value: string(value)})
	}
	return out
}

// decodeAll decodes a block into fields whose strings are copied.
func decodeAll(d *Decoder, block []byte) ([]HeaderField, error) {
	var out []HeaderField
	err := d.Decode(block, func(f HeaderField) error {
		out = append(out, HeaderField{Name: strings.Clone(f.Name), Value: strings.Clone(f.Value), Sensitive: f.Sensitive})
		return nil
	})
	return out, err
}

func hf(name, value string) HeaderField { return HeaderField{Name: name, Value: value} }

func equalFields(a, b []HeaderField) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// equalNamesValues compares fields ignoring Sensitive: the encoder sends
// some unmarked fields as never-indexed (isSensitive).
func equalNamesValues(a, b []HeaderField) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Value != b[i].Value {
			return false
		}
	}
	return true
}
