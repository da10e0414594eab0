//go:build !race

package middleware

// raceEnabled is false in normal builds: request-ID contexts are reused.
const raceEnabled = false
