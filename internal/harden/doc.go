// Package harden holds the hardening suite of the module: floods, client
// and handler faults, shutdown under load and connection caps, run over
// loopback against the library server (in process, to count goroutines
// and descriptors) and against the httpserver binary (in its own process,
// to measure its memory and to send it SIGTERM), once per engine; over
// HTTP/1.1, over HTTP/2 (h2c and TLS: the h2_* files) and over WebSocket
// (websocket_faults_test.go).
//
// The package has no API; its tests are the suite. Sizes are small by
// default so that CI can run it:
//
//	go test ./internal/harden/
//
// HTTPSERVER_HARDEN=long runs the long forms (15,000 trickling
// connections, 1 GiB uploads and downloads):
//
//	HTTPSERVER_HARDEN=long go test -v -timeout 30m ./internal/harden/
//
// The soak (TestSoak: 20 s of mixed traffic on the binary, epoll and
// goroutine engines at once) has its long form in a program of its own,
// which samples memory, goroutines and descriptors every second and checks
// that they stay flat (package internal/harden/soak):
//
//	go run ./internal/harden/cmd/soak -engine epoll -duration 30m -csv epoll.csv
//
// HTTPSERVER_TEST_ENGINE, when set, limits the tests to that engine.
// Every test logs its figures (latencies, memory per connection, counts)
// with t.Logf; run with -v to see them.
package harden
