// Package interop holds integration tests that prove the nethttp bridge
// with real, unmodified code of the net/http ecosystem: the chi router and
// its middleware, net/http/pprof, http.FileServer, Prometheus promhttp and
// gorilla/websocket, each served by httpserver over a loopback socket, and
// an httpserver handler served by net/http's own server. It is a separate
// module so that the main module does not depend on that code.
//
//	cd interop && go test ./...
//
// It also holds the HPACK oracle tests (hpack_*_test.go): our
// internal/http2/hpack against golang.org/x/net/http2/hpack, each decoding
// the other's blocks, both decoding random and mutated blocks alike
// (FuzzHPACKOracleDecode), the raw-data compression ratio of both encoders,
// and BenchmarkHPACKDecode/Encode comparing the two.
//
// It also holds the HTTP/2 client tests (http2_test.go): Go's
// golang.org/x/net/http2 Transport, speaking h2c by prior knowledge,
// against internal/http2 with the h2test handler: requests and statuses,
// 200 concurrent streams, trailers both ways, 64 MiB up and down
// (HTTPSERVER_H2_BIG_MIB sets the size), cancellations, and a download
// that finishes across Shutdown.
//
// It also holds BenchmarkWrapped and BenchmarkNetHTTP, which compare a
// net/http handler served through nethttp.Wrap with the same handler on
// net/http's own server, over keep-alive loopback connections:
//
//	cd interop && go test -run '^$' -bench . -benchmem
package interop
