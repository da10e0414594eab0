//go:build race

package http2

// raceEnabled makes every stream use a fresh Stream object and makes a
// Stream used after its handler returned panic (see Stream.check).
const raceEnabled = true
