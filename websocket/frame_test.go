package websocket

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestReadHeader(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want header
		err  string // substring of the error; "" = none
	}{
		{name: "masked text 5", in: []byte{0x81, 0x85, 1, 2, 3, 4}, want: header{fin: true, op: opText, masked: true, key: [4]byte{1, 2, 3, 4}, length: 5}},
		{name: "binary 126", in: append([]byte{0x82, 0x7E, 0, 126}, 0, 0, 0, 0), want: header{fin: true, op: opBinary, masked: false, length: 126}},
		{name: "continuation 65536", in: []byte{0x00, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0}, want: header{op: opContinuation, length: 65536}},
		{name: "rsv1 text", in: []byte{0xC1, 0x00}, want: header{fin: true, rsv1: true, op: opText}},
		{name: "ping 125", in: []byte{0x89, 0x7D}, want: header{fin: true, op: opPing, length: 125}},
		{name: "non-minimal 16-bit", in: []byte{0x81, 0x7E, 0, 125}, err: "non-minimal"},
		{name: "non-minimal 64-bit", in: []byte{0x81, 0x7F, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF}, err: "non-minimal"},
		{name: "64-bit msb", in: []byte{0x81, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0}, err: "most significant"},
		{name: "opcode 3", in: []byte{0x83, 0x00}, err: "reserved opcode"},
		{name: "opcode 0xB", in: []byte{0x8B, 0x00}, err: "reserved opcode"},
		{name: "rsv2", in: []byte{0xA1, 0x00}, err: "RSV2/RSV3"},
		{name: "rsv3", in: []byte{0x91, 0x00}, err: "RSV2/RSV3"},
		{name: "ping 126", in: []byte{0x89, 0x7E, 0, 126}, err: "control frame payload"},
		{name: "fragmented ping", in: []byte{0x09, 0x00}, err: "fragmented control"},
		{name: "rsv1 on close", in: []byte{0xC8, 0x00}, err: "RSV1 set on a control"},
		{name: "empty", in: nil, err: "EOF"},
		{name: "cut in the length", in: []byte{0x81, 0x7E, 0}, err: "unexpected EOF"},
		{name: "cut in the key", in: []byte{0x81, 0x81, 1, 2}, err: "unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := readHeader(bufio.NewReader(bytes.NewReader(tt.in)))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				var f *failure
				if !strings.Contains(tt.err, "EOF") && (!errors.As(err, &f) || f.code != StatusProtocolError) {
					t.Errorf("err %v is not a 1002 failure", err)
				}
				return
			}
			if err != nil || h != tt.want {
				t.Fatalf("got %+v %v, want %+v", h, err, tt.want)
			}
			// The encoder gives back the same bytes (without the
			// payload).
			if enc := appendHeader(nil, h); !bytes.Equal(enc, tt.in[:len(enc)]) {
				t.Errorf("appendHeader %x, want %x", enc, tt.in[:len(enc)])
			}
		})
	}
}

func TestMask(t *testing.T) {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	// RFC 6455 §5.7: "Hello" masked with this key.
	b := []byte("Hello")
	mask(key, 0, b)
	if !bytes.Equal(b, []byte{0x7f, 0x9f, 0x4d, 0x51, 0x58}) {
		t.Fatalf("masked %x", b)
	}
	// Any split gives what byte-by-byte masking gives.
	data := bytes.Repeat([]byte("0123456789abcdef"), 7)
	want := bytes.Clone(data)
	for i := range want {
		want[i] ^= key[i%4]
	}
	for split := range len(data) {
		got := bytes.Clone(data)
		pos := mask(key, 0, got[:split])
		mask(key, pos, got[split:])
		if !bytes.Equal(got, want) {
			t.Fatalf("split at %d: %x", split, got)
		}
	}
}

func TestUTF8Validator(t *testing.T) {
	tests := []struct {
		in        string
		ok, whole bool // valid so far, complete
	}{
		{"", true, true},
		{"hello, world", true, true},
		{"κόσμε", true, true},
		{"\U0010ffff", true, true},
		{"\xf4\x8f\xbf", true, false},
		{"\xf4\x90", false, false},
		{"\xed\x9f\xbf", true, true},
		{"\xed\xa0", false, false},
		{"\xe0\x9f", false, false},
		{"\xf0\x8f", false, false},
		{"\xc1\xbf", false, false},
		{"\xc2", true, false},
		{"\x80", false, false},
		{"\xff", false, false},
		{"abcdefghijklmnop\xce", true, false},
	}
	for _, tt := range tests {
		var v utf8Validator
		ok := v.write([]byte(tt.in))
		if ok != tt.ok || (ok && v.complete() != tt.whole) {
			t.Errorf("%q: ok=%v complete=%v, want %v %v", tt.in, ok, v.complete(), tt.ok, tt.whole)
		}
	}
}

// FuzzUTF8Validator: the validator agrees with unicode/utf8 on complete
// input, whatever the split.
func FuzzUTF8Validator(f *testing.F) {
	f.Add([]byte("κόσμε\xed\xa0\x80"), 3)
	f.Add([]byte("\xf4\x8f\xbf\xbf"), 2)
	f.Fuzz(func(t *testing.T, b []byte, split int) {
		if split < 0 || split > len(b) {
			split = len(b) / 2
		}
		var v utf8Validator
		got := v.write(b[:split]) && v.write(b[split:]) && v.complete()
		if want := utf8.Valid(b); got != want {
			t.Fatalf("%q split %d: %v, utf8.Valid %v", b, split, got, want)
		}
	})
}

// FuzzReadHeader: the reader never panics, and what it accepts encodes
// back to the bytes it read.
func FuzzReadHeader(f *testing.F) {
	f.Add([]byte{0x81, 0x85, 1, 2, 3, 4})
	f.Add([]byte{0x82, 0x7E, 0, 126})
	f.Add([]byte{0x02, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		br := bufio.NewReader(bytes.NewReader(b))
		h, err := readHeader(br)
		if err != nil {
			return
		}
		n := len(b) - br.Buffered()
		if enc := appendHeader(nil, h); !bytes.Equal(enc, b[:n]) {
			t.Fatalf("%x read as %+v, encodes as %x", b[:n], h, enc)
		}
	})
}

// FuzzReadFrames feeds arbitrary bytes to a connection as client frames,
// compressed or not: reading ends with a message, io.EOF or an error, and
// never panics or reads past the limit.
func FuzzReadFrames(f *testing.F) {
	f.Add([]byte{0x81, 0x85, 1, 2, 3, 4, 'H' ^ 1, 'e' ^ 2, 'l' ^ 3, 'l' ^ 4, 'o' ^ 1}, false)
	f.Add([]byte{0xC1, 0x87, 0, 0, 0, 0, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}, true)
	f.Add([]byte{0x01, 0x81, 0, 0, 0, 0, 'a', 0x89, 0x80, 0, 0, 0, 0, 0x80, 0x81, 0, 0, 0, 0, 'b'}, false)
	f.Fuzz(func(t *testing.T, b []byte, compressed bool) {
		c := fuzzConn(b, compressed)
		defer c.CloseNow()
		for range 10 {
			_, msg, err := c.Read(t.Context())
			if err != nil {
				return
			}
			if len(msg) > 1024 {
				t.Fatalf("message of %d bytes over the limit", len(msg))
			}
		}
	})
}

// fuzzConn is a Conn reading b, writing to nowhere.
func fuzzConn(b []byte, compressed bool) *Conn {
	var dp *deflateParams
	if compressed {
		dp = &deflateParams{}
	}
	cfg := (&AcceptOptions{ReadLimit: 1024, Group: &Group{}}).withDefaults()
	nc := &pipeConn{r: bytes.NewReader(b)}
	return newConn(nc, bufio.NewReader(nc), cfg, "", dp)
}

// TestInflateLimit: the inflate path stops at the read limit, however
// much the compressed data would expand to.
func TestInflateLimit(t *testing.T) {
	var buf bytes.Buffer
	fw, _ := flateWriterForTest(&buf)
	fw.Write(make([]byte, 1<<20))
	fw.Flush()
	data := buf.Bytes()[:buf.Len()-4]
	frameBytes := frame{fin: true, rsv: rsv1Bit, op: opBin, data: data}.encode(true)
	c := fuzzConn(frameBytes, true)
	defer c.CloseNow()
	_, _, err := c.Read(t.Context())
	var f *failure
	if !errors.As(err, &f) || f.code != StatusMessageTooBig {
		t.Fatalf("err %v, want a 1009 failure", err)
	}
}

var _ io.Reader = (*pipeConn)(nil)

// FuzzInflate feeds arbitrary bytes as the payload of one compressed
// message, cut into fragments: decompression ends with the message, a
// 1007 or a 1009, never a panic or more than the limit.
func FuzzInflate(f *testing.F) {
	var buf bytes.Buffer
	fw, _ := flateWriterForTest(&buf)
	fw.Write([]byte("hello hello hello hello"))
	fw.Flush()
	f.Add(buf.Bytes()[:buf.Len()-4], 3, true)
	f.Add([]byte{0xff, 0xff, 0, 0}, 1, false)
	f.Fuzz(func(t *testing.T, payload []byte, cut int, text bool) {
		op := byte(opBin)
		if text {
			op = opTxt
		}
		var frames []byte
		if cut <= 0 || cut >= len(payload) {
			frames = frame{fin: true, rsv: rsv1Bit, op: op, data: payload}.encode(true)
		} else {
			frames = append(frame{rsv: rsv1Bit, op: op, data: payload[:cut]}.encode(true),
				frame{fin: true, op: opCont, data: payload[cut:]}.encode(true)...)
		}
		c := fuzzConn(frames, true)
		defer c.CloseNow()
		_, msg, err := c.Read(t.Context())
		if err != nil {
			var fl *failure
			if errors.As(err, &fl) && fl.code != StatusInvalidFramePayloadData && fl.code != StatusMessageTooBig && fl.code != StatusProtocolError {
				t.Fatalf("failure code %d: %v", fl.code, err)
			}
			return
		}
		if len(msg) > 1024 {
			t.Fatalf("message of %d bytes over the limit", len(msg))
		}
		if text && !utf8.Valid(msg) {
			t.Fatalf("invalid UTF-8 text accepted: %q", msg)
		}
	})
}
