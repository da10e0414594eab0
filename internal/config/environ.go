package config

import (
	"slices"
	"strings"
)

// UnknownEnv returns the names of the HTTPSERVER_* variables in environ
// ("NAME=value" entries, as from os.Environ) that set nothing: most likely
// typos, which [Load] would otherwise ignore in silence. Each name comes
// with the known variable it most resembles, or "".
func UnknownEnv(environ []string) (names, suggestions []string) {
	var known []string
	for i := range settings {
		if !settings[i].flagOnly {
			known = append(known, settings[i].envKey())
		}
	}
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "HTTPSERVER_") || slices.Contains(known, name) || slices.Contains(names, name) {
			continue
		}
		names = append(names, name)
		suggestions = append(suggestions, closest(name, known))
	}
	return names, suggestions
}

// closest returns the candidate within a few edits of s, or "".
func closest(s string, candidates []string) string {
	best, bestDist := "", 4
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
