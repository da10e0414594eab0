package interop

import (
	"io"
	"testing"

	xhpack "golang.org/x/net/http2/hpack"

	"github.com/rawsock/httpserver/internal/http2/hpack"
)

// typicalHPACKRequest is a browser's request header list.
var typicalHPACKRequest = []hpack.HeaderField{
	{Name: ":method", Value: "GET"},
	{Name: ":scheme", Value: "https"},
	{Name: ":authority", Value: "www.example.com"},
	{Name: ":path", Value: "/static/app.js"},
	{Name: "user-agent", Value: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"},
	{Name: "accept", Value: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
	{Name: "accept-language", Value: "en-US,en;q=0.5"},
	{Name: "accept-encoding", Value: "gzip, deflate, br, zstd"},
	{Name: "referer", Value: "https://www.example.com/"},
	{Name: "cookie", Value: "session=0123456789abcdef0123456789abcdef; theme=dark"},
	{Name: "sec-fetch-dest", Value: "script"},
	{Name: "sec-fetch-mode", Value: "no-cors"},
	{Name: "sec-fetch-site", Value: "same-origin"},
	{Name: "priority", Value: "u=2"},
}

// hpackBlocks returns the request's first block (literals, Huffman) and a
// repeat (indexed), as our encoder writes them.
func hpackBlocks() (first, repeat []byte) {
	e := hpack.NewEncoder()
	first = e.AppendBlock(nil, typicalHPACKRequest...)
	return first, e.AppendBlock(nil, typicalHPACKRequest...)
}

// BenchmarkHPACKDecode decodes the typical request's first block (each
// iteration with a fresh table state: literals and Huffman) and its repeat
// (indexed), with our decoder and x/net's.
func BenchmarkHPACKDecode(b *testing.B) {
	first, repeat := hpackBlocks()
	for _, c := range []struct {
		name  string
		block []byte
	}{{"first", first}, {"repeat", repeat}} {
		b.Run("ours/"+c.name, func(b *testing.B) {
			d := hpack.NewDecoder(4096)
			fields, _ := d.DecodeAppend(nil, first)
			b.SetBytes(int64(len(c.block)))
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if fields, err = d.DecodeAppend(fields[:0], c.block); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("xnet/"+c.name, func(b *testing.B) {
			n := 0
			d := xhpack.NewDecoder(4096, func(xhpack.HeaderField) { n++ })
			if _, err := d.Write(first); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(c.block)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.Write(c.block); err != nil {
					b.Fatal(err)
				}
				if err := d.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHPACKEncode encodes the typical request in steady state (the
// dynamic table already holds it), with our encoder and x/net's.
func BenchmarkHPACKEncode(b *testing.B) {
	b.Run("ours", func(b *testing.B) {
		e := hpack.NewEncoder()
		buf := e.AppendBlock(nil, typicalHPACKRequest...)
		b.ReportAllocs()
		for b.Loop() {
			buf = e.AppendBlock(buf[:0], typicalHPACKRequest...)
		}
	})
	b.Run("xnet", func(b *testing.B) {
		e := xhpack.NewEncoder(io.Discard)
		fields := toOracle(typicalHPACKRequest)
		b.ReportAllocs()
		for b.Loop() {
			for _, f := range fields {
				if err := e.WriteField(f); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkHPACKHuffmanDecode decodes one Huffman-coded user-agent value
// (a literal without indexing, so no table work) with each decoder; MB/s
// is in wire bytes.
func BenchmarkHPACKHuffmanDecode(b *testing.B) {
	ua := typicalHPACKRequest[4]
	block := hpack.NewEncoder().AppendBlock(nil, hpack.HeaderField{Name: "content-length", Value: ua.Value})
	b.Run("ours", func(b *testing.B) {
		d := hpack.NewDecoder(4096)
		var fields []hpack.HeaderField
		b.SetBytes(int64(len(block)))
		for b.Loop() {
			fields, _ = d.DecodeAppend(fields[:0], block)
		}
	})
	b.Run("xnet", func(b *testing.B) {
		d := xhpack.NewDecoder(4096, func(xhpack.HeaderField) {})
		b.SetBytes(int64(len(block)))
		for b.Loop() {
			d.Write(block)
			d.Close()
		}
	})
}
