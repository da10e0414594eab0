package hpack

import (
	"bytes"
	"errors"
	"testing"
)

// Limits of the fuzzed decoders: small, so that the fuzzer reaches them.
const (
	fuzzMaxString   = 256
	fuzzMaxList     = 1024
	fuzzMaxTableLen = 512
)

// addRFCSeeds adds the RFC 7541 Appendix C blocks as seeds (pairs of
// consecutive blocks).
func addRFCSeeds(f *testing.F) {
	for _, ex := range rfcExamples {
		prev := []byte{}
		for _, step := range ex.steps {
			b := dehex(f, step.wire)
			f.Add(prev, b)
			prev = b
		}
	}
}

// FuzzDecode decodes two consecutive blocks with one decoder: it must never
// panic, never hand out a string or list beyond the limits, and whatever it
// accepts must survive re-encoding by our encoder and decoding again.
func FuzzDecode(f *testing.F) {
	addRFCSeeds(f)
	f.Fuzz(func(t *testing.T, block1, block2 []byte) {
		d := NewDecoder(fuzzMaxTableLen)
		d.SetMaxStringLength(fuzzMaxString)
		d.SetMaxHeaderListSize(fuzzMaxList)
		for _, block := range [][]byte{block1, block2} {
			var size uint32
			got, err := d.DecodeAppend(nil, block)
			for _, hf := range got {
				if len(hf.Name) > fuzzMaxString || len(hf.Value) > fuzzMaxString {
					t.Fatalf("string beyond the limit: %d, %d bytes", len(hf.Name), len(hf.Value))
				}
				size += hf.Size()
			}
			if size > fuzzMaxList {
				t.Fatalf("header list of %d bytes, limit %d", size, fuzzMaxList)
			}
			if ts, max := d.DynamicTableSize(); ts > max || max > fuzzMaxTableLen {
				t.Fatalf("table size %d, max %d, allowed %d", ts, max, fuzzMaxTableLen)
			}
			if (err == nil || errors.Is(err, ErrHeaderListTooLarge)) && len(d.buf) > fuzzMaxList {
				// Only kept fields' strings remain in the buffer.
				t.Fatalf("decoder buffer holds %d bytes, header list limit %d", len(d.buf), fuzzMaxList)
			}
			if err != nil {
				if errors.Is(err, ErrHeaderListTooLarge) {
					continue // the table is in sync: go on
				}
				return
			}
			checkReencode(t, got)
		}
	})
}

// checkReencode encodes fields with a new encoder, decodes them with a new
// decoder and compares. Strings are copied first: they alias the decoder.
func checkReencode(t *testing.T, fields []HeaderField) {
	t.Helper()
	own := make([]HeaderField, len(fields))
	for i, f := range fields {
		own[i] = HeaderField{Name: string([]byte(f.Name)), Value: string([]byte(f.Value)), Sensitive: f.Sensitive}
	}
	wire := NewEncoder().AppendBlock(nil, own...)
	again, err := NewDecoder(4096).DecodeAppend(nil, wire)
	if err != nil {
		t.Fatalf("re-encoded block % x: %v", wire, err)
	}
	if !equalNamesValues(again, own) {
		t.Fatalf("re-encoded %+v, decoded %+v", own, again)
	}
	for i := range own {
		if own[i].Sensitive && !again[i].Sensitive {
			t.Fatalf("field %d lost its never-indexed flag", i)
		}
	}
}

// FuzzRoundTrip encodes fields made from the input in two blocks, with a
// table size change between them, and decodes them: the same fields must
// come back.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte(":method\x00GET\x00:path\x00/a?b\x00x-big\x00"+string(bytes.Repeat([]byte("z"), 300))), uint16(4096))
	f.Add([]byte("!authorization\x00secret\x00cookie\x00a=b\x00content-length\x0012\x00\xff\x00\x00"), uint16(0))
	f.Add([]byte("a\x00b\x00a\x00b\x00c\x00d"), uint16(40))
	f.Fuzz(func(t *testing.T, data []byte, tableSize uint16) {
		var fields []HeaderField
		parts := bytes.Split(data, []byte{0})
		for i := 0; i+1 < len(parts); i += 2 {
			f := HeaderField{Name: string(parts[i]), Value: string(parts[i+1])}
			if len(f.Name) > 0 && f.Name[0] == '!' {
				f.Sensitive = true
			}
			fields = append(fields, f)
		}
		e, d := NewEncoder(), NewDecoder(4096)
		d.SetMaxStringLength(1 << 30)
		d.SetMaxHeaderListSize(1 << 30)
		var wire []byte
		for block := 0; block < 2; block++ {
			if block == 1 {
				e.SetMaxDynamicTableSize(uint32(tableSize))
				d.SetAllowedMaxDynamicTableSize(uint32(tableSize))
			}
			wire = e.AppendBlock(wire[:0], fields...)
			got, err := d.DecodeAppend(nil, wire)
			if err != nil {
				t.Fatalf("block %d % x: %v", block, wire, err)
			}
			if !equalNamesValues(got, fields) {
				t.Fatalf("block %d: encoded %+v, decoded %+v", block, fields, got)
			}
			for i := range fields {
				if fields[i].Sensitive && !got[i].Sensitive {
					t.Fatalf("field %d lost its never-indexed flag", i)
				}
			}
		}
	})
}
