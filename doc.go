// Package httpserver is an HTTP/1.1 server written from scratch on TCP
// sockets: strict RFC 9112/9110 parsing, persistent connections and
// pipelining, chunked bodies in both directions, 100-continue, trailers,
// timeouts, connection limits and graceful shutdown.
//
// The handler API is protocol-neutral: a [Handler] receives a [Request] and a
// [ResponseWriter], and capabilities beyond writing (flush, hijack, deadlines,
// trailers) are reached through a [ResponseController], which finds them
// through an Unwrap chain so that wrapping middleware never hides them.
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
