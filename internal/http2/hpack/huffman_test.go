package hpack

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

// TestHuffmanRoundTrip encodes and decodes every byte value alone and in
// random strings, checking huffmanEncodedLen against the output.
func TestHuffmanRoundTrip(t *testing.T) {
	inputs := []string{""}
	for c := 0; c < 256; c++ {
		inputs = append(inputs, string([]byte{byte(c)}))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		b := make([]byte, r.IntN(100))
		for j := range b {
			if i%2 == 0 {
				b[j] = byte(r.IntN(256))
			} else {
				b[j] = "abcdefghijklmnopqrstuvwxyz0123456789-/.:;=, "[r.IntN(44)]
			}
		}
		inputs = append(inputs, string(b))
	}
	for _, s := range inputs {
		enc := appendHuffman(nil, s)
		if len(enc) != huffmanEncodedLen(s) {
			t.Fatalf("%q: %d bytes, huffmanEncodedLen says %d", s, len(enc), huffmanEncodedLen(s))
		}
		dec, err := appendHuffmanDecoded(nil, enc, len(s))
		if err != nil || string(dec) != s {
			t.Fatalf("%q: encoded % x, decoded %q, %v", s, enc, dec, err)
		}
	}
}

// TestHuffmanRFCStrings checks encodings printed in RFC 7541 C.4 and C.6.
func TestHuffmanRFCStrings(t *testing.T) {
	for _, c := range []struct{ s, hex string }{
		{"www.example.com", "f1e3c2e5f23a6ba0ab90f4ff"},
		{"no-cache", "a8eb10649cbf"},
		{"custom-key", "25a849e95ba97d7f"},
		{"custom-value", "25a849e95bb8e8b4bf"},
		{"302", "6402"},
		{"private", "aec3771a4b"},
		{"Mon, 21 Oct 2013 20:13:21 GMT", "d07abe941054d444a8200595040b8166e082a62d1bff"},
		{"https://www.example.com", "9d29ad171863c78f0b97c8e9ae82ae43d3"},
	} {
		if got := appendHuffman(nil, c.s); !bytes.Equal(got, dehex(t, c.hex)) {
			t.Errorf("%q: % x, want %s", c.s, got, c.hex)
		}
	}
}

// TestHuffmanDecodeLimit checks that decoding stops at the length limit.
func TestHuffmanDecodeLimit(t *testing.T) {
	enc := appendHuffman(nil, "000") // 15 bits in 2 bytes
	if _, err := appendHuffmanDecoded(nil, enc, 2); !errors.Is(err, ErrStringTooLong) {
		t.Fatalf("error %v, want %v", err, ErrStringTooLong)
	}
	if dec, err := appendHuffmanDecoded(nil, enc, 3); err != nil || string(dec) != "000" {
		t.Fatalf("%q, %v", dec, err)
	}
}

// BenchmarkHuffmanDecode measures decoding speed in ns per decoded byte
// (b.SetBytes makes MB/s the decoded rate).
func BenchmarkHuffmanDecode(b *testing.B) {
	s := "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36; text/html,application/xhtml+xml"
	enc := appendHuffman(nil, s)
	buf := make([]byte, 0, len(s))
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = appendHuffmanDecoded(buf[:0], enc, len(s))
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(s)), "ns/byte")
}

// BenchmarkHuffmanEncode measures encoding speed in ns per input byte.
func BenchmarkHuffmanEncode(b *testing.B) {
	s := "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36; text/html,application/xhtml+xml"
	buf := make([]byte, 0, len(s))
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		buf = appendHuffman(buf[:0], s)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(s)), "ns/byte")
}
