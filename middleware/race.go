//go:build race

package middleware

// raceEnabled makes a request-ID context that the server's storage would
// have reused panic when used after its request ended (see idContext).
const raceEnabled = true
