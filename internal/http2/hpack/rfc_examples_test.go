package hpack

import (
	"bytes"
	"testing"
)

// rfcStep is one header block of an RFC 7541 Appendix C example: its wire
// form, its fields and the dynamic table after it (newest first).
type rfcStep struct {
	wire   string
	fields []HeaderField
	table  []HeaderField
	size   uint32
}

var (
	authority   = hf(":authority", "www.example.com")
	noCache     = hf("cache-control", "no-cache")
	customValue = hf("custom-key", "custom-value")
	date21      = hf("date", "Mon, 21 Oct 2013 20:13:21 GMT")
	date22      = hf("date", "Mon, 21 Oct 2013 20:13:22 GMT")
	location    = hf("location", "https://www.example.com")
	private     = hf("cache-control", "private")
	cookie      = hf("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1")
	gzip        = hf("content-encoding", "gzip")
)

// rfcRequests is C.3 (plain) and C.4 (Huffman): same fields and tables.
func rfcRequests(wires [3]string) []rfcStep {
	get, http, https, root := hf(":method", "GET"), hf(":scheme", "http"), hf(":scheme", "https"), hf(":path", "/")
	return []rfcStep{
		{wires[0], []HeaderField{get, http, root, authority}, []HeaderField{authority}, 57},
		{wires[1], []HeaderField{get, http, root, authority, noCache}, []HeaderField{noCache, authority}, 110},
		{wires[2], []HeaderField{get, https, hf(":path", "/index.html"), authority, customValue}, []HeaderField{customValue, noCache, authority}, 164},
	}
}

// rfcResponses is C.5 (plain) and C.6 (Huffman), with a 256-byte table.
func rfcResponses(wires [3]string) []rfcStep {
	s302, s307, s200 := hf(":status", "302"), hf(":status", "307"), hf(":status", "200")
	return []rfcStep{
		{wires[0], []HeaderField{s302, private, date21, location}, []HeaderField{location, date21, private, s302}, 222},
		{wires[1], []HeaderField{s307, private, date21, location}, []HeaderField{s307, location, date21, private}, 222},
		{wires[2], []HeaderField{s200, private, date22, location, gzip, cookie}, []HeaderField{cookie, gzip, date22}, 215},
	}
}

var rfcExamples = []struct {
	name      string
	tableSize uint32
	steps     []rfcStep
}{
	{"C.2.1", 4096, []rfcStep{{"400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572",
		[]HeaderField{hf("custom-key", "custom-header")}, []HeaderField{hf("custom-key", "custom-header")}, 55}}},
	{"C.2.2", 4096, []rfcStep{{"040c 2f73 616d 706c 652f 7061 7468", []HeaderField{hf(":path", "/sample/path")}, nil, 0}}},
	{"C.2.3", 4096, []rfcStep{{"1008 7061 7373 776f 7264 0673 6563 7265 74",
		[]HeaderField{{Name: "password", Value: "secret", Sensitive: true}}, nil, 0}}},
	{"C.2.4", 4096, []rfcStep{{"82", []HeaderField{hf(":method", "GET")}, nil, 0}}},
	{"C.3", 4096, rfcRequests([3]string{
		"8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
		"8286 84be 5808 6e6f 2d63 6163 6865",
		"8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
	})},
	{"C.4", 4096, rfcRequests([3]string{
		"8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
		"8286 84be 5886 a8eb 1064 9cbf",
		"8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
	})},
	{"C.5", 256, rfcResponses([3]string{
		`4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
		 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d`,
		"4803 3330 37c1 c0bf",
		`88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
		 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
		 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31`,
	})},
	{"C.6", 256, rfcResponses([3]string{
		`4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
		 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`,
		"4883 640e ffc1 c0bf",
		`88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
		 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
		 9587 3160 65c0 03ed 4ee5 b106 3d50 07`,
	})},
}

// TestDecodeRFCExamples decodes RFC 7541 Appendix C.2-C.6 and checks the
// fields and the dynamic table after each block.
func TestDecodeRFCExamples(t *testing.T) {
	for _, ex := range rfcExamples {
		t.Run(ex.name, func(t *testing.T) {
			d := NewDecoder(ex.tableSize)
			for i, step := range ex.steps {
				got, err := decodeAll(d, dehex(t, step.wire))
				if err != nil {
					t.Fatalf("block %d: %v", i, err)
				}
				if !equalFields(got, step.fields) {
					t.Fatalf("block %d: fields %+v, want %+v", i, got, step.fields)
				}
				if table := d.table.entries(); !equalFields(table, step.table) {
					t.Errorf("block %d: table %+v, want %+v", i, table, step.table)
				}
				if d.table.size != step.size {
					t.Errorf("block %d: table size %d, want %d", i, d.table.size, step.size)
				}
			}
		})
	}
}

// TestEncodeRFCExamples encodes the examples' fields. Our encoder Huffman-
// codes whenever shorter and indexes as the RFC's examples do for requests,
// so C.4 comes out byte for byte; for the others the output must decode to
// the same fields.
func TestEncodeRFCExamples(t *testing.T) {
	for _, ex := range rfcExamples {
		t.Run(ex.name, func(t *testing.T) {
			e := NewEncoder()
			e.SetMaxDynamicTableSize(ex.tableSize)
			d := NewDecoder(ex.tableSize)
			for i, step := range ex.steps {
				e.table.setMaxSize(ex.tableSize) // the RFC's blocks carry no size update
				e.lowest = noPending
				wire := e.AppendBlock(nil, step.fields...)
				if ex.name == "C.4" || ex.name == "C.2.4" {
					if want := dehex(t, step.wire); !bytes.Equal(wire, want) {
						t.Errorf("block %d: % x, want % x", i, wire, want)
					}
				}
				got, err := decodeAll(d, wire)
				if err != nil {
					t.Fatalf("block %d: %v", i, err)
				}
				if !equalFields(got, step.fields) {
					t.Fatalf("block %d: fields %+v, want %+v", i, got, step.fields)
				}
			}
		})
	}
}
