package interop

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	xhpack "golang.org/x/net/http2/hpack"

	"github.com/rawsock/httpserver/internal/http2/hpack"
)

// The tests in this file hold our HPACK (internal/http2/hpack) against
// golang.org/x/net/http2/hpack as an oracle: each decodes what the other
// encodes, and both decode the same random blocks alike.

// oracleDecoder returns an x/net decoder whose string limit matches ours.
func oracleDecoder(tableSize uint32) *xhpack.Decoder {
	d := xhpack.NewDecoder(tableSize, nil)
	d.SetMaxStringLength(hpack.DefaultMaxStringLength)
	return d
}

// ourDecoder returns our decoder with a header list limit too large to be
// reached: x/net's hpack has none (its http2 layer applies it).
func ourDecoder(tableSize uint32) *hpack.Decoder {
	d := hpack.NewDecoder(tableSize)
	d.SetMaxHeaderListSize(1 << 30)
	return d
}

func toOracle(fields []hpack.HeaderField) []xhpack.HeaderField {
	out := make([]xhpack.HeaderField, len(fields))
	for i, f := range fields {
		out[i] = xhpack.HeaderField{Name: f.Name, Value: f.Value, Sensitive: f.Sensitive}
	}
	return out
}

// fromOurs copies fields: our decoder's strings alias its buffer.
func fromOurs(fields []hpack.HeaderField) []xhpack.HeaderField {
	out := make([]xhpack.HeaderField, len(fields))
	for i, f := range fields {
		out[i] = xhpack.HeaderField{Name: strings.Clone(f.Name), Value: strings.Clone(f.Value), Sensitive: f.Sensitive}
	}
	return out
}

// sameNamesValues compares field lists by name and value; the encoders'
// never-indexed choices for unmarked fields differ.
func sameNamesValues(a, b []xhpack.HeaderField) bool {
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

// randomFields returns a field list drawn from common and random names and
// values, with repeats so that the dynamic tables are exercised.
func randomFields(r *rand.Rand) []hpack.HeaderField {
	names := []string{":method", ":path", ":authority", ":status", "accept", "cookie", "content-length",
		"authorization", "x-trace", "user-agent", "date", "etag", "x-" + randomString(r, 3)}
	values := []string{"GET", "/", "/a?b=c", "200", "gzip, deflate", "", "text/html", randomString(r, 20)}
	n := r.IntN(20)
	fields := make([]hpack.HeaderField, n)
	for i := range fields {
		f := hpack.HeaderField{Name: names[r.IntN(len(names))], Value: values[r.IntN(len(values))]}
		switch r.IntN(10) {
		case 0:
			f.Name = randomString(r, r.IntN(40))
		case 1:
			f.Value = randomString(r, r.IntN(3000))
		case 2:
			f.Sensitive = true
		}
		fields[i] = f
	}
	return fields
}

// randomString returns n bytes, any value, biased to printable ones.
func randomString(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		if r.IntN(4) == 0 {
			b[i] = byte(r.IntN(256))
		} else {
			b[i] = byte(' ' + r.IntN(95))
		}
	}
	return string(b)
}

// TestHPACKOracleEncodeDecode encodes random field lists with each encoder
// and decodes them with the other, over connections of 20 blocks with
// table size changes between blocks.
func TestHPACKOracleEncodeDecode(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	sizes := []uint32{4096, 0, 256, 100, 4096, 8192, 65536}
	for conn := 0; conn < 200; conn++ {
		// Ours encodes, x/net decodes.
		enc, xdec := hpack.NewEncoder(), oracleDecoder(4096)
		// x/net encodes, ours decodes.
		var xbuf strings.Builder
		xenc, dec := xhpack.NewEncoder(&xbuf), ourDecoder(4096)
		var wire []byte
		for block := 0; block < 20; block++ {
			if r.IntN(5) == 0 {
				n := sizes[r.IntN(len(sizes))]
				enc.SetMaxDynamicTableSize(n)
				xdec.SetAllowedMaxDynamicTableSize(n)
				dec.SetAllowedMaxDynamicTableSize(n)
				xenc.SetMaxDynamicTableSizeLimit(n)
				xenc.SetMaxDynamicTableSize(n)
			}
			fields := randomFields(r)
			wire = enc.AppendBlock(wire[:0], fields...)
			got, err := xdec.DecodeFull(wire)
			if err != nil {
				t.Fatalf("conn %d block %d: x/net rejects our block % x: %v", conn, block, wire, err)
			}
			if !sameNamesValues(got, toOracle(fields)) {
				t.Fatalf("conn %d block %d: x/net decodes %v, want %v", conn, block, got, fields)
			}
			for i, f := range fields {
				if f.Sensitive && !got[i].Sensitive {
					t.Fatalf("conn %d block %d: field %d sent never-indexed, x/net sees it indexable", conn, block, i)
				}
			}
			if len(fields) == 0 {
				// x/net's encoder writes owed size updates with the next
				// field, so an empty block lacks them, which RFC 7541 §4.2
				// forbids and our decoder rejects; skip it (the updates
				// then start the next block).
				continue
			}
			xbuf.Reset()
			for _, f := range toOracle(fields) {
				if err := xenc.WriteField(f); err != nil {
					t.Fatal(err)
				}
			}
			ours, err := dec.DecodeAppend(nil, []byte(xbuf.String()))
			if err != nil {
				t.Fatalf("conn %d block %d: we reject x/net's block %x: %v", conn, block, xbuf.String(), err)
			}
			if !sameNamesValues(fromOurs(ours), toOracle(fields)) {
				t.Fatalf("conn %d block %d: we decode %v, want %v", conn, block, ours, fields)
			}
		}
	}
}

// knownDifference reports the rejections only our decoder makes:
//   - an integer above 2^32-1 or with more than 5 continuation bytes, which
//     x/net accepts up to 2^63 (both reject what such an integer would mean
//     in practice: an index or string that large);
//   - a size update after a field, which x/net accepts while its dynamic
//     table is empty (hpack.go: `!d.firstField && d.dynTab.size > 0`);
//     RFC 7541 §4.2 allows size updates only at the start of a block.
func knownDifference(ourErr error) bool {
	return errors.Is(ourErr, hpack.ErrIntegerOverflow) || errors.Is(ourErr, hpack.ErrSizeUpdateMisplaced)
}

// compareDecoders decodes blocks in order with one decoder of each kind
// and fails unless both accept with the same fields or both reject.
// Once both reject, the connection is over: later blocks are skipped. It
// returns how many blocks both accepted, and whether both rejected one.
func compareDecoders(t testing.TB, tableSize uint32, blocks ...[]byte) (accepted int, rejected, known bool) {
	t.Helper()
	xdec, dec := oracleDecoder(tableSize), ourDecoder(tableSize)
	dec.SetMaxStringLength(hpack.DefaultMaxStringLength)
	for i, block := range blocks {
		want, xerr := xdec.DecodeFull(block)
		got, err := dec.DecodeAppend(nil, block)
		switch {
		case err != nil && xerr != nil:
			return accepted, true, false
		case err != nil && knownDifference(err):
			return accepted, false, true
		case err != nil || xerr != nil:
			t.Fatalf("block %d % x: ours %v, x/net %v", i, block, err, xerr)
		}
		if ours := fromOurs(got); len(ours) != len(want) || !sameFields(ours, want) {
			t.Fatalf("block %d % x:\n ours %v\nx/net %v", i, block, ours, want)
		}
		accepted++
	}
	return accepted, false, false
}

func sameFields(a, b []xhpack.HeaderField) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestHPACKOracleDecodeSame decodes valid blocks (from both encoders),
// mutated ones (bit flips, truncations, splices) and random bytes with both
// decoders.
func TestHPACKOracleDecodeSame(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	var accepted, rejected, known int
	for conn := 0; conn < 3000; conn++ {
		enc := hpack.NewEncoder()
		var blocks [][]byte
		for b := 0; b < 1+r.IntN(3); b++ {
			blocks = append(blocks, enc.AppendBlock(nil, randomFields(r)...))
		}
		for i, block := range blocks {
			switch r.IntN(5) {
			case 0: // flip bits
				for k := 0; k < 1+r.IntN(3) && len(block) > 0; k++ {
					block[r.IntN(len(block))] ^= byte(1 << r.IntN(8))
				}
			case 1: // truncate
				if len(block) > 0 {
					block = block[:r.IntN(len(block))]
				}
			case 2: // random bytes
				for k := range block {
					block[k] = byte(r.IntN(256))
				}
			case 3: // a random byte inserted
				if len(block) > 0 {
					k := r.IntN(len(block))
					block = append(block[:k:k], append([]byte{byte(r.IntN(256))}, block[k:]...)...)
				}
			}
			blocks[i] = block
		}
		a, rej, kn := compareDecoders(t, 4096, blocks...)
		accepted += a
		if rej {
			rejected++
		}
		if kn {
			known++
		}
	}
	t.Logf("blocks accepted alike: %d; connections rejected alike: %d; known differences (knownDifference): %d", accepted, rejected, known)
	if accepted == 0 || rejected == 0 {
		t.Fatal("the random blocks did not exercise both outcomes")
	}
}

// TestHPACKCorpusRatio encodes the raw-data stories with both encoders and
// reports both compression ratios; each output is decoded by the other
// implementation and compared.
func TestHPACKCorpusRatio(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "corpora", "hpack", "raw-data")
	if _, err := os.Stat(dir); err != nil {
		dir = filepath.Join("..", "internal", "http2", "hpack", "testdata", "corpus", "raw-data")
	}
	paths, err := filepath.Glob(filepath.Join(dir, "story_*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no raw-data stories in %s", dir)
	}
	sort.Strings(paths)
	var raw, ours, theirs int
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var story struct {
			Cases []struct {
				Headers []map[string]string `json:"headers"`
			} `json:"cases"`
		}
		if err := json.Unmarshal(b, &story); err != nil {
			t.Fatal(err)
		}
		enc, xdec := hpack.NewEncoder(), oracleDecoder(4096)
		var xbuf strings.Builder
		xenc, dec := xhpack.NewEncoder(&xbuf), ourDecoder(4096)
		var wire []byte
		for i, c := range story.Cases {
			var fields []hpack.HeaderField
			for _, h := range c.Headers {
				for name, value := range h {
					fields = append(fields, hpack.HeaderField{Name: name, Value: value})
					raw += len(name) + len(value)
				}
			}
			wire = enc.AppendBlock(wire[:0], fields...)
			ours += len(wire)
			got, err := xdec.DecodeFull(wire)
			if err != nil || !sameNamesValues(got, toOracle(fields)) {
				t.Fatalf("%s case %d: x/net decodes our block to %v, %v", p, i, got, err)
			}
			xbuf.Reset()
			for _, f := range toOracle(fields) {
				if err := xenc.WriteField(f); err != nil {
					t.Fatal(err)
				}
			}
			theirs += xbuf.Len()
			back, err := dec.DecodeAppend(nil, []byte(xbuf.String()))
			if err != nil || !sameNamesValues(fromOurs(back), toOracle(fields)) {
				t.Fatalf("%s case %d: we decode x/net's block to %v, %v", p, i, back, err)
			}
		}
	}
	t.Logf("raw-data (%d stories in %s): %d bytes of names and values; ours %d bytes (ratio %.3f), x/net %d bytes (ratio %.3f)",
		len(paths), dir, raw, ours, float64(ours)/float64(raw), theirs, float64(theirs)/float64(raw))
}
