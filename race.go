//go:build race

package httpserver

// raceEnabled makes every request use fresh per-request objects and check
// their use after the handler returns (see exchange).
const raceEnabled = true
