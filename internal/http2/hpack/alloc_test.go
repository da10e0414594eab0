//go:build !race

package hpack

import "testing"

// TestDecodeZeroAlloc pins 0 allocations for decoding a typical request
// block in steady state: fully indexed (a repeated request), and with
// literals that are added to the table and evict (a first request).
func TestDecodeZeroAlloc(t *testing.T) {
	e := NewEncoder()
	first := e.AppendBlock(nil, typicalRequest...)
	repeat := e.AppendBlock(nil, typicalRequest...)
	response := NewEncoder().AppendBlock(nil, typicalResponse...)
	for _, c := range []struct {
		name  string
		block []byte
	}{{"indexed", repeat}, {"literals", first}, {"response", response}} {
		d := NewDecoder(4096)
		fields := make([]HeaderField, 0, 32)
		var err error
		if fields, err = d.DecodeAppend(fields[:0], first); err != nil { // fills the table
			t.Fatal(err)
		}
		n := 0
		emit := func(HeaderField) error { n++; return nil }
		allocs := testing.AllocsPerRun(200, func() {
			if fields, err = d.DecodeAppend(fields[:0], c.block); err != nil {
				t.Fatal(err)
			}
			if err = d.Decode(c.block, emit); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %.1f allocations per block, want 0", c.name, allocs)
		}
		if len(fields) == 0 || n == 0 {
			t.Errorf("%s: nothing decoded", c.name)
		}
	}
}

// TestEncodeZeroAlloc pins 0 allocations for encoding typical blocks in
// steady state, with a changing unindexed content-length.
func TestEncodeZeroAlloc(t *testing.T) {
	e := NewEncoder()
	buf := make([]byte, 0, 1024)
	buf = e.AppendBlock(buf[:0], typicalRequest...)
	buf = e.AppendBlock(buf[:0], typicalResponse...)
	lengths := []string{"1", "22", "333", "4444"}
	i := 0
	allocs := testing.AllocsPerRun(200, func() {
		buf = e.AppendBlock(buf[:0], typicalRequest...)
		buf = e.BeginBlock(buf[:0])
		for _, f := range typicalResponse {
			if f.Name == "content-length" {
				f.Value = lengths[i%len(lengths)]
			}
			buf = e.AppendField(buf, f)
		}
		i++
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per request and response, want 0", allocs)
	}
}
