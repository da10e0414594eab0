// Package httpserver is an HTTP/1.1 server written from scratch on TCP
// sockets: strict RFC 9112/9110 parsing, persistent connections and
// pipelining, chunked bodies in both directions, 100-continue, trailers,
// timeouts, connection limits and graceful shutdown.
//
// The handler API is protocol-neutral: a [Handler] receives a [Request] and a
// [ResponseWriter], and capabilities beyond writing (flush, hijack, deadlines,
// trailers) are reached through a [ResponseController], which finds them
// through an Unwrap chain so that wrapping middleware never hides them.
// A connection can also be taken over with its input delivered as events
// ([ResponseController.HijackEvents]: no goroutine while it waits, on the
// epoll engine), and a long-running handler can ask to hear of a graceful
// Shutdown ([ResponseController.OnShutdown]).
//
// The same handlers serve HTTP/2 (RFC 9113) when a client speaks it: over
// cleartext with prior knowledge when [HTTP2Options].H2C is set. Each
// stream is a Request with Proto "HTTP/2.0"; Hijack is not available on
// HTTP/2 ([ErrNotSupported]).
//
// A minimal server:
//
//	srv := &httpserver.Server{
//		Addr: ":8080",
//		Handler: httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
//			w.Header().Set("Content-Type", "text/plain")
//			w.Write([]byte("hello\n"))
//		}),
//	}
//	log.Fatal(srv.ListenAndServe())
//
// Request and ResponseWriter values, and every string they hand out, belong
// to the server and are reused for the next request on the connection once
// the handler returns. Copy anything you keep (strings.Clone,
// [Header.Clone]).
package httpserver
