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
// The event API, [AcceptEvents], delivers each whole message to an
// [EventHandler] instead: the handler returns after accepting, and the
// server calls OnMessage on a goroutine of its own when a message has
// arrived. On the epoll engine an idle [EventConn] holds no goroutine and
// no buffer; elsewhere a goroutine per connection reads for it. Its
// frames are parsed by the same code as the blocking API's, with the same
// rules and close codes.
//
// The server's graceful Shutdown sends 1001 (going away) to every open
// WebSocket and waits for the close handshake, within its context: a
// [Conn] registers with [httpserver.ResponseController.OnShutdown] while
// its handler serves it, an [EventConn] stays tracked by the server. A
// [Group] ([DefaultGroup], or the one in [AcceptOptions]) still lets a
// program shut down a set of connections itself.
package websocket
