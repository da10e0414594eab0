package soak

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"time"
)

// Failures lists why a run does not pass: failed operations, descriptors
// or goroutines not back to the baseline, a server that did not exit 0 on
// SIGTERM and, when v is given, figures not flat after the warm-up.
func (r *Result) Failures(v *Verdict) []string {
	var out []string
	if n := r.TotalErrors(); n > 0 {
		out = append(out, fmt.Sprintf("%d operations failed: %v", n, r.Errors))
	}
	if !r.Settled() {
		out = append(out, fmt.Sprintf("not back to the baseline after the clients stopped: %d connections, %d descriptors (baseline %d), %d goroutines outside the pool (baseline %d)",
			r.After.Conns, r.After.FDs, r.Baseline.FDs, r.After.NonWorkers(), r.Baseline.NonWorkers()))
	}
	if r.ExitErr != nil {
		out = append(out, fmt.Sprintf("server on SIGTERM: %v", r.ExitErr))
	}
	if v != nil {
		for _, s := range v.Series {
			if !s.Flat {
				out = append(out, fmt.Sprintf("%s not flat: %s", s.Name, s.Why))
			}
		}
	}
	return out
}

// WriteSummary writes a plain-text summary of a run and its verdict.
func WriteSummary(w io.Writer, r *Result, v Verdict) {
	secs := r.Duration.Seconds()
	fmt.Fprintf(w, "engine %s: %v of traffic, %d operations (%.0f/s), %d errors\n",
		r.Engine, r.Duration, r.TotalRequests(), float64(r.TotalRequests())/secs, r.TotalErrors())
	for _, k := range slices.Sorted(maps.Keys(r.Requests)) {
		fmt.Fprintf(w, "  %-10s %9d (%.1f/s)\n", k, r.Requests[k], float64(r.Requests[k])/secs)
	}
	for _, k := range slices.Sorted(maps.Keys(r.Errors)) {
		fmt.Fprintf(w, "  error %s: %d\n", k, r.Errors[k])
	}
	for _, e := range r.Examples {
		fmt.Fprintf(w, "  e.g. %s\n", e)
	}
	fmt.Fprintf(w, "  baseline: RSS %d KiB, %d goroutines (%d pool workers), %d descriptors\n",
		r.Baseline.RSSKiB, r.Baseline.Goroutines, r.Baseline.Workers, r.Baseline.FDs)
	fmt.Fprintf(w, "  after the clients stopped (+%v): RSS %d KiB, %d goroutines (%d pool workers), %d descriptors, %d connections\n",
		(r.After.T - r.Duration).Round(100*time.Millisecond), r.After.RSSKiB, r.After.Goroutines, r.After.Workers, r.After.FDs, r.After.Conns)
	fmt.Fprintf(w, "  server log lines by level: %v; exit on SIGTERM: %v\n", r.LogLevels, errString(r.ExitErr))
	WriteVerdict(w, v)
}

// WriteVerdict writes the criteria and a line per series: its figures
// and whether it is flat.
func WriteVerdict(w io.Writer, v Verdict) {
	fmt.Fprintf(w, "  warm-up %v; slope bounds %.0f KiB/min (RSS), %.2f/min (counts); last-window rise at most %.0f%% (+%.0f for counts)\n",
		v.Criteria.Warmup, v.Criteria.RSSSlopeKiBPerMin, v.Criteria.CountSlopePerMin, 100*v.Criteria.MeanRise, v.Criteria.Slack)
	fmt.Fprintf(w, "  %-10s %10s %10s %10s %10s %10s %12s %10s %10s  %s\n",
		"series", "start", "warm-up", "end", "min", "max", "slope/min", "ref mean", "last mean", "flat")
	for _, s := range v.Series {
		flat := "yes"
		if !s.Flat {
			flat = "NO: " + s.Why
		}
		fmt.Fprintf(w, "  %-10s %10.0f %10.0f %10.0f %10.0f %10.0f %12.2f %10.1f %10.1f  %s\n",
			s.Name, s.Start, s.AtWarmup, s.End, s.Min, s.Max, s.SlopePerMin, s.RefMean, s.LastMean, flat)
	}
}

func errString(err error) string {
	if err == nil {
		return "exit 0"
	}
	return err.Error()
}
