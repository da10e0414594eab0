// Package soak drives the httpserver binary with a fixed mix of traffic for
// a set time and samples, every second, what a leak would make grow: the
// process's resident memory, its goroutines and its open descriptors.
//
// The mix, all over loopback: keep-alive GETs, a new connection per
// request, static files with ranges and conditionals, POST /api/echo with
// bodies of varied size (half of them chunked), slow clients (heads and
// bodies trickled a byte at a time, responses read a few KiB at a time),
// WebSocket echo sessions at /api/ws and HTTP/2 (h2c) connections. Every
// client is paced (the total rate is fixed, not as fast as possible), and
// every loop ends with the run's deadline.
//
// [Run] performs one run and returns its samples; [Analyze] decides whether
// they are flat after warm-up (see [Criteria]); [WriteCSV], [ReadCSV] and
// [PlotSVG] keep and draw them. The program internal/harden/cmd/soak runs
// the long form (30 minutes by default); TestSoak in internal/harden runs a
// short one in CI.
package soak
