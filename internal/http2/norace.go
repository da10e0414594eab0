//go:build !race

package http2

// raceEnabled is false in normal builds: Stream objects are pooled.
const raceEnabled = false
