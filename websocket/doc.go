// Package websocket implements WebSocket (RFC 6455) servers with
// permessage-deflate (RFC 7692) on top of the httpserver package's public
// API: [Accept] checks the opening handshake and takes the connection over
// through [httpserver.ResponseController.Hijack] on HTTP/1.1, or, on
// HTTP/2, accepts an extended CONNECT (RFC 8441) and runs the connection
// on the request's stream.
//
//	func echo(w httpserver.ResponseWriter, r *httpserver.Request) {
//		c, err := websocket.Accept(w, r, nil)
//		if err != nil {
//			return // Accept has answered
//		}
//		defer c.CloseNow()
//		for {
//			typ, msg, err := c.Read(r.Context())
//			if err != nil {
//				return
//			}
//			if err := c.Write(r.Context(), typ, msg); err != nil {
//				return
//			}
//		}
//	}
//
// The API blocks: [Conn.Read] and [Conn.Write] move whole messages,
// [Conn.Reader] and [Conn.Writer] stream one. At most one goroutine reads
// and one writes at a time; [Conn.Ping], [Conn.Close] and [Conn.CloseNow]
// may be called from anywhere. Every blocking call takes a context; when
// it ends mid-operation the connection is closed.
//
// Violations by the client fail the connection with the close code RFC
// 6455 names: 1002 for framing errors (unmasked frames, reserved bits or
// opcodes, bad fragmentation, oversized or fragmented control frames,
// invalid close codes), 1007 for text that is not UTF-8 (checked across
// fragments, failing at the first impossible byte) and for corrupt
// compressed data, 1009 for a message over [AcceptOptions.ReadLimit].
//
// Over HTTP/2 (RFC 8441) the opening handshake is a CONNECT request with
// [httpserver.Request.Protocol] "websocket", answered 200; the same Conn
// then reads the request body and writes the response. A router that
// dispatches on the method must route CONNECT to the handler as well as
// GET. The stream ends when the handler returns, so the handler must keep
// running while it uses the Conn (as above). An orderly close (the close
// frame sent) ends the stream with END_STREAM, an abort ([Conn.CloseNow]
// before any close frame) with RST_STREAM CANCEL.
//
// The server does not track hijacked connections; call
// [Group.Shutdown] (of [DefaultGroup], or the Group given in
// [AcceptOptions]) next to the server's Shutdown to send 1001 to every
// open WebSocket and wait for the close handshakes.
package websocket
