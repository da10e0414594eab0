package websocket

import (
	"testing"

	"github.com/rawsock/httpserver"
)

// The conformance corpus and the compression corpus over HTTP/2 (RFC
// 8441), on every engine: the same scripts on an extended CONNECT stream
// instead of a TCP connection. Every case then checks how the stream
// ended: END_STREAM, since the server always sends its close frame (the
// clean close and each failure with a close code), never RST_STREAM.
func TestConformanceCorpusH2(t *testing.T) {
	cases := conformanceCases()
	handlers := map[string]func() httpserver.Handler{
		"whole":  func() httpserver.Handler { return echoHandler(&AcceptOptions{ReadLimit: testLim}, nil) },
		"stream": func() httpserver.Handler { return streamEchoHandler(&AcceptOptions{ReadLimit: testLim}) },
	}
	forEachEngine(t, func(t *testing.T, eng httpserver.Engine) {
		for hname, mk := range handlers {
			addr := startServer(t, eng, mk(), withH2C)
			t.Run(hname, func(t *testing.T) {
				for _, tc := range cases {
					t.Run(tc.family+"/"+tc.name, func(t *testing.T) {
						c := dialH2(t, addr, nil)
						if c.tn.Status != 200 {
							t.Fatalf("handshake: %d", c.tn.Status)
						}
						playCase(t, c.rawClient, tc)
						c.expectEnd("END_STREAM")
					})
				}
			})
		}
	})
}

func TestCompressionCorpusH2(t *testing.T) {
	cases := compressedCases(t)
	forEachEngine(t, func(t *testing.T, eng httpserver.Engine) {
		for _, mode := range []CompressionMode{CompressionNoContextTakeover, CompressionContextTakeover} {
			addr := startServer(t, eng, echoHandler(&AcceptOptions{ReadLimit: testLim, Compression: mode, CompressionThreshold: 64}, nil), withH2C)
			t.Run(itoa(int(mode)), func(t *testing.T) {
				for _, tc := range cases {
					t.Run(tc.name, func(t *testing.T) {
						c := dialH2(t, addr, nil, "sec-websocket-extensions", "permessage-deflate; client_max_window_bits")
						playCompressedCase(t, c.rawClient, tc)
						c.expectEnd("END_STREAM")
					})
				}
			})
		}
	})
}
