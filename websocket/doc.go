// Package websocket implements WebSocket (RFC 6455) servers with
// permessage-deflate (RFC 7692) on top of the httpserver package's public
// API: [Accept] checks the opening handshake and takes the connection over
// through [httpserver.ResponseController.Hijack].
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
// The server does not track hijacked connections; call
// [Group.Shutdown] (of [DefaultGroup], or the Group given in
// [AcceptOptions]) next to the server's Shutdown to send 1001 to every
// open WebSocket and wait for the close handshakes.
package websocket
