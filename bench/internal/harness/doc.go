// Package harness holds what the benchmark commands in bench/cmd share:
// the life of a benchmark server (listen, an optional CPU profile, serve
// until SIGINT or SIGTERM, stop within a bound), and the client side of
// the idle and load tests (dialing many connections from 127.0.0.x source
// addresses, the WebSocket opening handshake and frames, a server's
// resident memory from /proc).
//
// Failures that end a benchmark end the process with log.Fatal, the
// message prefixed with the command's name, as the commands did before
// they shared this code.
package harness
