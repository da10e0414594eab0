//go:build !race

package httpserver

// raceEnabled is false in normal builds: per-request objects are reused.
const raceEnabled = false
