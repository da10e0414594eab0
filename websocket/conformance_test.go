package websocket

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rawsock/httpserver"
)

// The conformance corpus: raw-frame scripts after the case families of the
// Autobahn test suite (which cannot run on this machine). Each case sends
// frames to an echo server on every engine and checks what comes back:
// the echoed messages and control frames, then either the close code the
// server fails the connection with, or, when none is expected, a clean
// close handshake.

const (
	opCont   = 0x0
	opTxt    = 0x1
	opBin    = 0x2
	opCls    = 0x8
	opPng    = 0x9
	opPog    = 0xA
	rsv1Bit  = 0x4
	rsv2Bit  = 0x2
	rsv3Bit  = 0x1
	testLim  = 64 << 10
	famFrame = "1 framing"
)

type wsCase struct {
	family, name string
	send         []frame
	split        int     // write the encoded frames in pieces of this many bytes
	want         []frame // messages (whole, fin ignored) and control frames expected back
	close        int     // the close code expected from the server; 0: none, the client closes
}

func txt(s string) frame              { return frame{fin: true, op: opTxt, data: []byte(s)} }
func bin(b []byte) frame              { return frame{fin: true, op: opBin, data: b} }
func frag(op byte, s string) frame    { return frame{op: op, data: []byte(s)} }
func last(op byte, s string) frame    { return frame{fin: true, op: op, data: []byte(s)} }
func ctl(op byte, b []byte) frame     { return frame{fin: true, op: op, data: b} }
func withRSV(f frame, rsv byte) frame { f.rsv = rsv; return f }

func conformanceCases() []wsCase {
	big := func(n int) []byte { return bytes.Repeat([]byte("*"), n) }
	var cases []wsCase
	// Family 1: framing, text and binary of every length encoding.
	for _, n := range []int{0, 125, 126, 127, 128, 65535, 65536} {
		cases = append(cases,
			wsCase{family: famFrame, name: "text " + itoa(n), send: []frame{txt(string(big(n)))}, want: []frame{txt(string(big(n)))}},
			wsCase{family: famFrame, name: "binary " + itoa(n), send: []frame{bin(big(n))}, want: []frame{bin(big(n))}})
	}
	cases = append(cases,
		wsCase{family: famFrame, name: "text sent byte by byte", split: 1, send: []frame{txt("Hello, world")}, want: []frame{txt("Hello, world")}},
		wsCase{family: famFrame, name: "binary 65536 in 997-byte writes", split: 997, send: []frame{bin(big(65536))}, want: []frame{bin(big(65536))}},
		wsCase{family: famFrame, name: "unmasked frame", send: []frame{{fin: true, op: opTxt, data: []byte("x"), masked: true}}, close: 1002},
	)
	// Family 2: ping and pong.
	cases = append(cases,
		wsCase{family: "2 ping/pong", name: "empty ping", send: []frame{ctl(opPng, nil)}, want: []frame{ctl(opPog, nil)}},
		wsCase{family: "2 ping/pong", name: "ping with text", send: []frame{ctl(opPng, []byte("Hello"))}, want: []frame{ctl(opPog, []byte("Hello"))}},
		wsCase{family: "2 ping/pong", name: "ping with binary", send: []frame{ctl(opPng, []byte{0, 0xff, 0xfe, 0xfd})}, want: []frame{ctl(opPog, []byte{0, 0xff, 0xfe, 0xfd})}},
		wsCase{family: "2 ping/pong", name: "ping 125", send: []frame{ctl(opPng, big(125))}, want: []frame{ctl(opPog, big(125))}},
		wsCase{family: "2 ping/pong", name: "ping 126", send: []frame{ctl(opPng, big(126))}, close: 1002},
		wsCase{family: "2 ping/pong", name: "unsolicited pong", send: []frame{ctl(opPog, []byte("x")), txt("after")}, want: []frame{txt("after")}},
		wsCase{family: "2 ping/pong", name: "ten pings", send: repeat(ctl(opPng, []byte("p")), 10), want: repeat(ctl(opPog, []byte("p")), 10)},
		wsCase{family: "2 ping/pong", name: "ten pings byte by byte", split: 1, send: repeat(ctl(opPng, []byte("p")), 10), want: repeat(ctl(opPog, []byte("p")), 10)},
		wsCase{family: "2 ping/pong", name: "fragmented ping", send: []frame{{op: opPng, data: []byte("a")}}, close: 1002},
	)
	// Family 3: reserved bits.
	for _, c := range []struct {
		name string
		f    frame
	}{
		{"RSV1 on text without an extension", withRSV(txt("x"), rsv1Bit)},
		{"RSV2 on text", withRSV(txt("x"), rsv2Bit)},
		{"RSV3 on binary", withRSV(bin([]byte{1}), rsv3Bit)},
		{"RSV1+RSV2 on text", withRSV(txt("x"), rsv1Bit|rsv2Bit)},
		{"RSV3 on ping", withRSV(ctl(opPng, nil), rsv3Bit)},
		{"all RSV on close", withRSV(ctl(opCls, closePayload(1000, "")), 7)},
	} {
		cases = append(cases, wsCase{family: "3 reserved bits", name: c.name, send: []frame{txt("before"), c.f, txt("after")}, want: []frame{txt("before")}, close: 1002})
	}
	// Family 4: reserved opcodes.
	for _, op := range []byte{3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF} {
		cases = append(cases, wsCase{family: "4 opcodes", name: "opcode " + itoa(int(op)), send: []frame{txt("before"), {fin: true, op: op, data: []byte("x")}}, want: []frame{txt("before")}, close: 1002})
	}
	// Family 5: fragmentation.
	cases = append(cases,
		wsCase{family: "5 fragmentation", name: "text in two fragments", send: []frame{frag(opTxt, "frag"), last(opCont, "ment")}, want: []frame{txt("fragment")}},
		wsCase{family: "5 fragmentation", name: "binary in five fragments", send: []frame{frag(opBin, "a"), frag(opCont, ""), frag(opCont, "b"), frag(opCont, "c"), last(opCont, "d")}, want: []frame{bin([]byte("abcd"))}},
		wsCase{family: "5 fragmentation", name: "ping between fragments", send: []frame{frag(opTxt, "a"), ctl(opPng, []byte("p")), last(opCont, "b")}, want: []frame{ctl(opPog, []byte("p")), txt("ab")}},
		wsCase{family: "5 fragmentation", name: "pong between fragments", send: []frame{frag(opTxt, "a"), ctl(opPog, nil), last(opCont, "b")}, want: []frame{txt("ab")}},
		wsCase{family: "5 fragmentation", name: "pings between fragments byte by byte", split: 1, send: []frame{frag(opTxt, "a"), ctl(opPng, []byte("1")), frag(opCont, "b"), ctl(opPng, []byte("2")), last(opCont, "c")}, want: []frame{ctl(opPog, []byte("1")), ctl(opPog, []byte("2")), txt("abc")}},
		wsCase{family: "5 fragmentation", name: "continuation without a message", send: []frame{last(opCont, "x")}, close: 1002},
		wsCase{family: "5 fragmentation", name: "unfinished continuation without a message", send: []frame{frag(opCont, "x")}, close: 1002},
		wsCase{family: "5 fragmentation", name: "text inside a fragmented text", send: []frame{frag(opTxt, "a"), txt("b")}, close: 1002},
		wsCase{family: "5 fragmentation", name: "binary inside a fragmented text", send: []frame{frag(opTxt, "a"), frag(opBin, "b"), last(opCont, "c")}, close: 1002},
		wsCase{family: "5 fragmentation", name: "fragmented close", send: []frame{{op: opCls, data: closePayload(1000, "")}}, close: 1002},
		wsCase{family: "5 fragmentation", name: "close between fragments", send: []frame{frag(opTxt, "a"), ctl(opCls, closePayload(1000, ""))}, close: 1000},
	)
	// Family 6: UTF-8 handling.
	for _, s := range []string{"κόσμε", "\u0080", "\u07ff", "\u0800", "\uffff", "\U00010000", "\U0010ffff", "\ufeff", "a\u00e9\u4e2d\U0001f600z"} {
		cases = append(cases,
			wsCase{family: "6 UTF-8", name: "valid " + strings.ToValidUTF8(s, "?"), send: []frame{txt(s)}, want: []frame{txt(s)}},
			wsCase{family: "6 UTF-8", name: "valid byte by byte in frames " + s, send: byteFrames(opTxt, []byte(s)), want: []frame{txt(s)}})
	}
	for _, c := range []struct{ name, s string }{
		{"lone continuation byte", "\x80"},
		{"overlong slash", "\xc0\xaf"},
		{"overlong 3-byte", "\xe0\x80\xaf"},
		{"overlong 4-byte", "\xf0\x80\x80\xaf"},
		{"surrogate U+D800", "\xed\xa0\x80"},
		{"surrogate U+DFFF", "\xed\xbf\xbf"},
		{"above U+10FFFF", "\xf4\x90\x80\x80"},
		{"0xFE", "\xfe"},
		{"0xFF", "\xff"},
		{"5-byte form", "\xf8\x88\x80\x80\x80"},
		{"truncated at the end", "κόσμ\xce"},
		{"truncated 4-byte at the end", "\xf0\x9f\x98"},
		{"ASCII then invalid", "Hello-µ@ßöäüàá-UTF-8!!\xed\xa0\x80"},
	} {
		cases = append(cases,
			wsCase{family: "6 UTF-8", name: "invalid " + c.name, send: []frame{txt(c.s)}, close: 1007},
			wsCase{family: "6 UTF-8", name: "invalid byte by byte in frames " + c.name, send: byteFrames(opTxt, []byte(c.s)), close: 1007})
	}
	// Failing fast: the invalid byte arrives in the first fragment and the
	// message is never finished; the server must close anyway.
	cases = append(cases,
		wsCase{family: "6 UTF-8", name: "fail fast on a surrogate in an unfinished message", send: []frame{frag(opTxt, "κόσμε\xed\xa0\x80")}, close: 1007},
		wsCase{family: "6 UTF-8", name: "fail fast on a split surrogate", send: []frame{frag(opTxt, "ab\xed"), frag(opCont, "\xa0")}, close: 1007},
		wsCase{family: "6 UTF-8", name: "valid character split across frames", send: []frame{frag(opTxt, "\xf0\x9f"), frag(opCont, "\x98"), last(opCont, "\x80")}, want: []frame{txt("\U0001f600")}},
		wsCase{family: "6 UTF-8", name: "binary is not checked", send: []frame{bin([]byte("\xff\xfe"))}, want: []frame{bin([]byte("\xff\xfe"))}},
	)
	// Family 7: close handling.
	cases = append(cases,
		wsCase{family: "7 close", name: "empty close", send: []frame{ctl(opCls, nil)}, close: 1005},
		wsCase{family: "7 close", name: "close 1-byte body", send: []frame{ctl(opCls, []byte{0x03})}, close: 1002},
		wsCase{family: "7 close", name: "close with reason", send: []frame{ctl(opCls, closePayload(1000, "bye"))}, close: 1000},
		wsCase{family: "7 close", name: "close 125 bytes", send: []frame{ctl(opCls, closePayload(1000, string(big(123))))}, close: 1000},
		wsCase{family: "7 close", name: "close reason invalid UTF-8", send: []frame{ctl(opCls, closePayload(1000, "\xce\xba\xe1\xbd"))}, close: 1007},
		wsCase{family: "7 close", name: "data after close ignored", send: []frame{ctl(opCls, closePayload(1000, "")), txt("ignored")}, close: 1000},
		wsCase{family: "7 close", name: "ping after close ignored", send: []frame{ctl(opCls, closePayload(1000, "")), ctl(opPng, nil)}, close: 1000},
	)
	for _, code := range []int{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999} {
		cases = append(cases, wsCase{family: "7 close", name: "valid code " + itoa(code), send: []frame{ctl(opCls, closePayload(code, ""))}, close: code})
	}
	for _, code := range []int{0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535} {
		cases = append(cases, wsCase{family: "7 close", name: "invalid code " + itoa(code), send: []frame{ctl(opCls, closePayload(code, ""))}, close: 1002})
	}
	// Family 10: auto-fragmentation (Autobahn 10.1.1: 65536 bytes in
	// 1300-byte fragments).
	{
		msg := big(65536)
		var frames []frame
		for i := 0; i < len(msg); i += 1300 {
			f := frame{op: opCont, data: msg[i:min(i+1300, len(msg))], fin: i+1300 >= len(msg)}
			if i == 0 {
				f.op = opTxt
			}
			frames = append(frames, f)
		}
		cases = append(cases, wsCase{family: "10 misc", name: "65536 bytes in 1300-byte fragments", send: frames, want: []frame{txt(string(msg))}})
	}
	// Family 9: limits (the server's read limit is testLim).
	cases = append(cases,
		wsCase{family: "9 limits", name: "text at the limit", send: []frame{txt(string(big(testLim)))}, want: []frame{txt(string(big(testLim)))}},
		wsCase{family: "9 limits", name: "binary over the limit", send: []frame{bin(big(testLim + 1))}, close: 1009},
		wsCase{family: "9 limits", name: "fragments over the limit", send: []frame{frag(opBin, string(big(testLim))), last(opCont, "x")}, close: 1009},
		wsCase{family: "9 limits", name: "many small fragments at the limit", send: append(append([]frame{frag(opBin, string(big(1024)))}, repeat(frag(opCont, string(big(1024))), testLim/1024-2)...), last(opCont, string(big(1024)))), want: []frame{bin(big(testLim))}},
	)
	return cases
}

func repeat(f frame, n int) []frame {
	out := make([]frame, n)
	for i := range out {
		out[i] = f
	}
	return out
}

// byteFrames sends b as a fragmented message of one byte per frame.
func byteFrames(op byte, b []byte) []frame {
	var out []frame
	for i := range b {
		f := frame{op: op, data: b[i : i+1]}
		if i > 0 {
			f.op = opCont
		}
		f.fin = i == len(b)-1
		out = append(out, f)
	}
	return out
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func TestConformanceCorpus(t *testing.T) {
	cases := conformanceCases()
	handlers := map[string]func() httpserver.Handler{
		"whole":  func() httpserver.Handler { return echoHandler(&AcceptOptions{ReadLimit: testLim}, nil) },
		"stream": func() httpserver.Handler { return streamEchoHandler(&AcceptOptions{ReadLimit: testLim}) },
		"events": func() httpserver.Handler { return eventsEchoHandler(&AcceptOptions{ReadLimit: testLim}, nil) },
	}
	forEachEngine(t, func(t *testing.T, eng httpserver.Engine) {
		for hname, mk := range handlers {
			addr := startServer(t, eng, mk())
			t.Run(hname, func(t *testing.T) {
				for _, tc := range cases {
					t.Run(tc.family+"/"+tc.name, func(t *testing.T) { runCase(t, addr, "", tc) })
				}
			})
		}
	})
}

// runCase plays one script.
func runCase(t *testing.T, addr, ext string, tc wsCase) {
	var extra []string
	if ext != "" {
		extra = append(extra, "Sec-WebSocket-Extensions: "+ext)
	}
	c := dialRaw(t, addr, extra...)
	if c.status() != 101 {
		t.Fatalf("handshake: %q", c.head)
	}
	playCase(t, c, tc)
}

// playCase plays one script on an open WebSocket.
func playCase(t *testing.T, c *rawClient, tc wsCase) {
	var wire []byte
	for _, f := range tc.send {
		// The masked field of a scripted frame asks for the rule to be
		// broken: the frame goes unmasked.
		wire = append(wire, f.encode(!f.masked)...)
	}
	go func() {
		step := tc.split
		if step == 0 {
			step = len(wire)
		}
		for len(wire) > 0 {
			n := min(step, len(wire))
			if _, err := c.nc.Write(wire[:n]); err != nil {
				return // the server may close first, as expected
			}
			wire = wire[n:]
		}
	}()
	for i, w := range tc.want {
		var got frame
		if w.op >= 0x8 {
			f, err := c.recv()
			if err != nil {
				t.Fatalf("want[%d]: %v", i, err)
			}
			got = f
		} else {
			op, _, data := c.recvMessage()
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
	c.send(ctl(opCls, closePayload(1000, "done")))
	c.expectClose(1000)
}
