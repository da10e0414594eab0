// Package nethttp bridges httpserver and the net/http ecosystem, both ways.
//
// [Wrap] serves any standard [net/http.Handler] (a chi router, pprof,
// http.FileServer, promhttp, a gorilla/websocket upgrader...) on an
// httpserver.Server. [Handler] does the opposite: it runs an
// httpserver.Handler (this project's router and middleware) inside a stock
// net/http server or httptest.Server.
//
//	mux := http.NewServeMux()
//	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
//		fmt.Fprintf(w, "hello %s\n", r.URL.Query().Get("name"))
//	})
//	srv := &httpserver.Server{Addr: ":8080", Handler: nethttp.Wrap(mux)}
//	log.Fatal(srv.ListenAndServe())
//
// The *http.Request handed to a wrapped handler owns copies of every string
// it carries, so net/http code may keep them, as it is used to. Capabilities
// are carried across: http.Flusher, http.Hijacker, io.ReaderFrom (sendfile)
// and everything http.NewResponseController looks for (deadlines, full
// duplex, FlushError) map onto httpserver.NewResponseController, and back.
// Trailers, 1xx informational responses and Content-Type sniffing behave as
// they do on net/http's own server.
//
// This is the only package of the module that imports net/http.
package nethttp
