// Package http2 is the HTTP/2 protocol (RFC 9113) of the server: frames,
// SETTINGS, flow control, the stream state machine, request header
// validation, write scheduling and the limits that stop known attacks. It
// knows nothing of the root package's Request or ResponseWriter; the root
// adapts each [Stream] to them. Header compression is the sibling package
// internal/http2/hpack.
//
// # What lives where
//
//   - frame.go, frame_read.go, frame_write.go: the frame header and every
//     frame type of RFC 9113 §6. [FrameReader] reads into one reusable
//     buffer (0 allocations per frame) and applies every rule that needs
//     only the frame itself: sizes, flags, stream 0 or not, padding, the
//     CONTINUATION sequence. The Append* functions write frames.
//   - settings.go: SETTINGS parameters and their ranges (§6.5.2).
//   - flow.go: send and receive windows (§5.2, §6.9).
//   - stream.go: [Stream], the handler's view of one exchange, and its
//     states (§5.1).
//   - headers.go: request and trailer field validation (§8.1, §8.2, §8.3,
//     RFC 8441).
//   - server.go, server_frames.go: [ServerConn], the reader loop and what
//     each received frame does to the connection and its streams.
//   - stream_lifecycle.go: opening, half-closing, resetting, closing and
//     pooling streams; handlers.go: the goroutines that run handlers.
//   - upgrade.go: h2c by "Upgrade: h2c" from HTTP/1.1.
//   - writer.go: the single writer goroutine and its scheduling.
//   - config.go: [Config] and [Limits].
//
// # The handler boundary
//
// [ServerConn.Serve] runs the reader loop on the caller's goroutine, the
// writer on another, and one goroutine per request stream that calls
// [Handler].ServeStream. A [Stream] gives the validated pseudo-header
// fields ([Stream.Pseudo]), the regular fields as hpack.HeaderField values
// ([Stream.Header]), the body as an io.Reader ([Stream.Read]; WINDOW_UPDATE
// frames follow what the handler consumes), the trailers, and the response
// methods [Stream.WriteHeaders], [Stream.Write], [Stream.WriteTrailers],
// [Stream.Close] and [Stream.Reset]; [Stream.SetReadDeadline] and
// [Stream.SetWriteDeadline] bound a handler's waits as on a net.Conn. [Stream.Done] closes when the client
// resets the stream or the connection ends. Everything a Stream hands out
// is valid until the handler returns; Streams are pooled, and a Stream
// used after its handler returned panics in -race builds.
//
//	sc := http2.NewServerConn(conn, nil, http2.HandlerFunc(func(s *http2.Stream) {
//		s.WriteHeaders(200, []hpack.HeaderField{{Name: "content-type", Value: "text/plain"}}, false)
//		s.Write([]byte("hello " + s.Pseudo().Path))
//	}))
//	err := sc.Serve(http2.ServeOptions{})
//
// # Scheduling
//
// The writer gathers frames under the connection lock into its own buffer
// and writes them without it: first every queued control frame (SETTINGS
// ACK, PING ACK, RST_STREAM, WINDOW_UPDATE, GOAWAY), then one frame at a
// time from the streams that can make progress, in round-robin order:
// a stream's HEADERS, or one DATA frame of at most the peer's
// SETTINGS_MAX_FRAME_SIZE within both send windows. Being the only writer,
// it is the only user of the HPACK encoder, so field blocks are encoded in
// the order they are sent. Handlers copy data into a per-stream buffer of
// [Limits].StreamWriteBuffer octets and block while it is full; a Write of
// 16 KiB or more that both windows take whole is framed from the
// handler's own slice instead, and returns once it is. Before writing a
// batch under 16 KiB while handlers run, the writer lets them run once
// and gathers again, so that one write carries many small responses.
//
// # Limits
//
// Every bound is a field of [Limits], zero meaning its default: concurrent
// streams (100; handlers still running for reset streams count), Rapid
// Reset and MadeYouReset (200 resets per 10 s, client and provoked
// server resets alike), CONTINUATION flood (16 frames, 64 KiB encoded per
// field block, checked before decoding), HPACK bomb (64 KiB decoded header
// list; beyond it the request is answered 431 and the connection goes on),
// control frame floods (1000 queued unsent), empty frames (100 per 10 s),
// request body buffering (256 KiB per stream, 1 MiB per connection: the
// windows the server announces), response buffering (64 KiB per stream)
// and a window that stays shut (the stream is reset after
// [Config].WriteTimeout without progress). Above the reset, CONTINUATION,
// control-frame and empty-frame bounds the connection ends with GOAWAY
// ENHANCE_YOUR_CALM; a stream beyond the concurrency bound is refused
// (REFUSED_STREAM).
//
// The package imports nothing of this module but internal/http2/hpack
// (TestImportGraph), and never net/http or golang.org/x/net.
//
// Conformance: h2spec v2.2.1 in strict mode passes all 146 of its tests
// (TestH2Spec runs it when installed); curl, nghttp and Go's
// golang.org/x/net/http2 client (the interop module) talk to it.
// Limits on the h2c upgrade: the HTTP/1 side reads the whole request body
// before switching (see [Upgrade]).
package http2
