package websocket

import (
	"bytes"
	"compress/flate"
	"io"
	"strings"
	"testing"

	"github.com/rawsock/httpserver"
)

func TestNegotiateDeflate(t *testing.T) {
	tests := []struct {
		offer string
		mode  CompressionMode
		want  string // "" = declined
	}{
		{"permessage-deflate", CompressionNoContextTakeover, "permessage-deflate; server_no_context_takeover; client_no_context_takeover"},
		{"permessage-deflate", CompressionContextTakeover, "permessage-deflate"},
		{"permessage-deflate", CompressionDisabled, ""},
		{"permessage-deflate; client_max_window_bits", CompressionContextTakeover, "permessage-deflate"},
		{"permessage-deflate; client_max_window_bits=10", CompressionContextTakeover, "permessage-deflate"},
		{"permessage-deflate; client_no_context_takeover", CompressionContextTakeover, "permessage-deflate; client_no_context_takeover"},
		{"permessage-deflate; server_no_context_takeover", CompressionContextTakeover, "permessage-deflate; server_no_context_takeover"},
		{"permessage-deflate; server_max_window_bits=15", CompressionContextTakeover, "permessage-deflate; server_max_window_bits=15"},
		{`permessage-deflate; server_max_window_bits="15"`, CompressionContextTakeover, "permessage-deflate; server_max_window_bits=15"},
		// RFC 7692 §7.1.2.1: a window below 15 bits cannot be honoured by
		// this compressor; the offer is declined, the next one taken.
		{"permessage-deflate; server_max_window_bits=10", CompressionContextTakeover, ""},
		{"permessage-deflate; server_max_window_bits=10, permessage-deflate", CompressionContextTakeover, "permessage-deflate"},
		// RFC 7692 §7.1: invalid offers are declined.
		{"permessage-deflate; server_max_window_bits", CompressionContextTakeover, ""},
		{"permessage-deflate; server_max_window_bits=16", CompressionContextTakeover, ""},
		{"permessage-deflate; server_max_window_bits=7", CompressionContextTakeover, ""},
		{"permessage-deflate; client_max_window_bits=x", CompressionContextTakeover, ""},
		{"permessage-deflate; server_no_context_takeover=1", CompressionContextTakeover, ""},
		{"permessage-deflate; client_no_context_takeover; client_no_context_takeover", CompressionContextTakeover, ""},
		{"permessage-deflate; unknown", CompressionContextTakeover, ""},
		{"x-webkit-deflate-frame", CompressionContextTakeover, ""},
		{"foo, permessage-deflate; client_max_window_bits", CompressionNoContextTakeover, "permessage-deflate; server_no_context_takeover; client_no_context_takeover"},
		{"PerMessage-Deflate", CompressionContextTakeover, "permessage-deflate"},
	}
	for _, tt := range tests {
		_, got, ok := negotiateDeflate([]string{tt.offer}, tt.mode)
		if !ok {
			got = ""
		}
		if got != tt.want {
			t.Errorf("%q mode %d: %q, want %q", tt.offer, tt.mode, got, tt.want)
		}
	}
}

// deflateMsg compresses b as a permessage-deflate message with the
// standard library's flate (an implementation independent of the
// server's), continuing w's context when w is not nil.
func deflateMsg(t testing.TB, w *flate.Writer, out *bytes.Buffer, b []byte) []byte {
	out.Reset()
	w.Write(b)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	msg := bytes.Clone(out.Bytes())
	if !bytes.HasSuffix(msg, []byte{0, 0, 0xff, 0xff}) {
		t.Fatalf("flush did not end with the sync marker: %x", msg)
	}
	return msg[:len(msg)-4]
}

// inflateMsg decompresses a server message; dict is the earlier output
// when the server keeps its context.
func inflateMsg(t testing.TB, b, dict []byte) []byte {
	r := flate.NewReaderDict(io.MultiReader(bytes.NewReader(b), bytes.NewReader([]byte{0, 0, 0xff, 0xff, 1, 0, 0, 0xff, 0xff})), dict)
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("inflate: %v", err)
	}
	return out
}

func compressedCases(t *testing.T) []wsCase {
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestSpeed)
	c := func(s string) []byte { fw.Reset(&buf); return deflateMsg(t, fw, &buf, []byte(s)) }
	text := strings.Repeat("compressible text ", 200)
	comp := c(text)
	bomb := c(strings.Repeat("\x00", 2*testLim))
	return []wsCase{
		{family: "12 compression", name: "compressed text", send: []frame{{fin: true, rsv: rsv1Bit, op: opTxt, data: comp}}, want: []frame{txt(text)}},
		{family: "12 compression", name: "compressed empty", send: []frame{{fin: true, rsv: rsv1Bit, op: opBin, data: c("")}}, want: []frame{bin(nil)}},
		{family: "12 compression", name: "compressed in three fragments", send: []frame{
			{rsv: rsv1Bit, op: opTxt, data: comp[:10]}, {op: opCont, data: comp[10:20]}, {fin: true, op: opCont, data: comp[20:]}}, want: []frame{txt(text)}},
		{family: "12 compression", name: "compressed with ping between fragments", send: []frame{
			{rsv: rsv1Bit, op: opTxt, data: comp[:10]}, ctl(opPng, []byte("p")), {fin: true, op: opCont, data: comp[10:]}}, want: []frame{ctl(opPog, []byte("p")), txt(text)}},
		{family: "12 compression", name: "uncompressed message on a compressed connection", send: []frame{txt("plain")}, want: []frame{txt("plain")}},
		// RFC 7692 §6.1: RSV1 only on the first frame.
		{family: "12 compression", name: "RSV1 on a continuation", send: []frame{
			{rsv: rsv1Bit, op: opTxt, data: comp[:10]}, {fin: true, rsv: rsv1Bit, op: opCont, data: comp[10:]}}, close: 1002},
		{family: "12 compression", name: "corrupt compressed data", send: []frame{{fin: true, rsv: rsv1Bit, op: opBin, data: []byte{0xff, 0xff, 0xff, 0xff}}}, close: 1007},
		{family: "12 compression", name: "compressed invalid UTF-8", send: []frame{{fin: true, rsv: rsv1Bit, op: opTxt, data: c("ok\xed\xa0\x80")}}, close: 1007},
		{family: "12 compression", name: "decompression bomb over the limit", send: []frame{{fin: true, rsv: rsv1Bit, op: opBin, data: bomb}}, close: 1009},
		{family: "12 compression", name: "RSV2 on a compressed message", send: []frame{{fin: true, rsv: rsv1Bit | rsv2Bit, op: opTxt, data: comp}}, close: 1002},
	}
}

func TestCompressionCorpus(t *testing.T) {
	cases := compressedCases(t)
	const ext = "permessage-deflate; client_max_window_bits"
	forEachEngine(t, func(t *testing.T, eng httpserver.Engine) {
		for _, mode := range []CompressionMode{CompressionNoContextTakeover, CompressionContextTakeover} {
			opts := &AcceptOptions{ReadLimit: testLim, Compression: mode, CompressionThreshold: 64}
			for api, h := range map[string]httpserver.Handler{"blocking": echoHandler(opts, nil), "events": eventsEchoHandler(opts, nil)} {
				addr := startServer(t, eng, h)
				t.Run(itoa(int(mode))+"/"+api, func(t *testing.T) {
					for _, tc := range cases {
						t.Run(tc.name, func(t *testing.T) {
							// The server's answers are compressed: compare the
							// inflated payloads.
							runCompressedCase(t, addr, ext, tc)
						})
					}
				})
			}
		}
	})
}

// runCompressedCase is runCase for a compressed connection: echoed data
// messages may come back compressed and are inflated before comparing.
func runCompressedCase(t *testing.T, addr, ext string, tc wsCase) {
	c := dialRaw(t, addr, "Sec-WebSocket-Extensions: "+ext)
	if c.status() != 101 {
		t.Fatalf("handshake: %q", c.head)
	}
	playCompressedCase(t, c, tc)
}

// playCompressedCase plays one script on an open compressed WebSocket.
func playCompressedCase(t *testing.T, c *rawClient, tc wsCase) {
	if !strings.HasPrefix(c.field("Sec-WebSocket-Extensions"), "permessage-deflate") {
		t.Fatalf("handshake: %q", c.head)
	}
	takeover := !strings.Contains(c.field("Sec-WebSocket-Extensions"), "server_no_context_takeover")
	c.send(tc.send...)
	var dict []byte
	for i, w := range tc.want {
		var got frame
		if w.op >= 0x8 {
			f, err := c.recv()
			if err != nil {
				t.Fatalf("want[%d]: %v", i, err)
			}
			got = f
		} else {
			op, rsv1, data := c.recvMessage()
			if rsv1 {
				data = inflateMsg(t, data, dict)
				if takeover {
					dict = append(dict, data...)
				}
			} else if len(data) >= 64 {
				t.Errorf("want[%d]: %d bytes over the threshold sent uncompressed", i, len(data))
			}
			got = frame{op: op, data: data}
		}
		if got.op != w.op || !bytes.Equal(got.data, w.data) {
			t.Fatalf("want[%d]: op %d %.60q, got op %d %.60q", i, w.op, w.data, got.op, got.data)
		}
	}
	if tc.close != 0 {
		c.expectClose(tc.close)
		return
	}
	c.send(ctl(opCls, closePayload(1000, "")))
	c.expectClose(1000)
}

// TestCompressionContextTakeover: with context takeover both ways, a
// client message may refer back to an earlier one, and the server's
// messages do too.
func TestCompressionContextTakeover(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng httpserver.Engine) {
		addr := startServer(t, eng, echoHandler(&AcceptOptions{Compression: CompressionContextTakeover}, nil))
		c := dialRaw(t, addr, "Sec-WebSocket-Extensions: permessage-deflate")
		if got := c.field("Sec-WebSocket-Extensions"); got != "permessage-deflate" {
			t.Fatalf("extension %q", got)
		}
		var buf bytes.Buffer
		fw, _ := flate.NewWriter(&buf, flate.BestCompression)
		msg := strings.Repeat("the same words again and again ", 20)
		var sizes []int
		var dict []byte
		for i := range 3 {
			data := deflateMsg(t, fw, &buf, []byte(msg))
			sizes = append(sizes, len(data))
			c.send(frame{fin: true, rsv: rsv1Bit, op: opTxt, data: data})
			op, rsv1, got := c.recvMessage()
			if rsv1 {
				got = inflateMsg(t, got, dict)
				dict = append(dict, got...)
			}
			if op != opTxt || string(got) != msg {
				t.Fatalf("message %d: op %d %.40q", i, op, got)
			}
		}
		if sizes[1] >= sizes[0]/2 {
			t.Errorf("the second message did not use the first as context: sizes %v", sizes)
		}
		c.send(ctl(opCls, closePayload(1000, "")))
		c.expectClose(1000)
	})
}
