package hpack

import "testing"

// BenchmarkDecodeRequest decodes a typical request block: the first of a
// connection (literals, Huffman, table insertions) and a repeat (indexed).
func BenchmarkDecodeRequest(b *testing.B) {
	e := NewEncoder()
	first := e.AppendBlock(nil, typicalRequest...)
	repeat := e.AppendBlock(nil, typicalRequest...)
	for _, c := range []struct {
		name  string
		block []byte
	}{{"first", first}, {"repeat", repeat}} {
		b.Run(c.name, func(b *testing.B) {
			d := NewDecoder(4096)
			fields, _ := d.DecodeAppend(nil, first)
			b.SetBytes(int64(len(c.block)))
			b.ReportAllocs()
			for b.Loop() {
				fields, _ = d.DecodeAppend(fields[:0], c.block)
			}
		})
	}
}

// BenchmarkEncodeRequest encodes a typical request block in steady state.
func BenchmarkEncodeRequest(b *testing.B) {
	e := NewEncoder()
	buf := e.AppendBlock(nil, typicalRequest...)
	b.ReportAllocs()
	for b.Loop() {
		buf = e.AppendBlock(buf[:0], typicalRequest...)
	}
}
