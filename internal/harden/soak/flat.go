package soak

import (
	"fmt"
	"time"
)

// Criteria define "flat after warm-up" in numbers. After the warm-up W,
// for each of resident memory, goroutines and descriptors:
//
//   - the least-squares slope over [W, end] is at most the series' slope
//     bound (per minute), and
//   - the mean of the last W is at most the mean of [W, 2W] times
//     1+MeanRise, plus Slack for the counts.
//
// A leak of one goroutine or descriptor per 1,000 connections, or of a few
// bytes per request, breaks the slope bound at the default rate within a
// 30-minute run; a drop is never a failure.
type Criteria struct {
	// Warmup is W; 0 means a sixth of the run, at most 5 minutes.
	Warmup time.Duration
	// RSSSlopeKiBPerMin bounds the memory's slope (default 128 KiB/min,
	// 3.2 MiB over 25 minutes).
	RSSSlopeKiBPerMin float64
	// CountSlopePerMin bounds the slope of goroutines and descriptors
	// (default 0.5 per minute).
	CountSlopePerMin float64
	// MeanRise bounds the last window's rise over the reference window,
	// as a fraction (default 0.10).
	MeanRise float64
	// Slack is the absolute rise allowed to the counts on top of MeanRise
	// (default 5): a handful of connections in flight more or less.
	Slack float64
}

func (c Criteria) withDefaults(d time.Duration) Criteria {
	if c.Warmup <= 0 {
		c.Warmup = min(5*time.Minute, d/6)
	}
	if c.RSSSlopeKiBPerMin <= 0 {
		c.RSSSlopeKiBPerMin = 128
	}
	if c.CountSlopePerMin <= 0 {
		c.CountSlopePerMin = 0.5
	}
	if c.MeanRise <= 0 {
		c.MeanRise = 0.10
	}
	if c.Slack <= 0 {
		c.Slack = 5
	}
	return c
}

// Series is one figure's summary over a run.
type Series struct {
	Name string // "rss_kib", "goroutines" or "fds"
	// Start is the first sample, AtWarmup the first at or after the
	// warm-up, End the last.
	Start, AtWarmup, End float64
	// Min and Max are taken after the warm-up.
	Min, Max float64
	// SlopePerMin is the least-squares slope after the warm-up.
	SlopePerMin float64
	// RefMean is the mean over [W, 2W], LastMean over the last W.
	RefMean, LastMean float64
	// Flat reports whether the series met the criteria; Why says how it
	// did not.
	Flat bool
	Why  string
}

// Verdict is the analysis of a run's samples.
type Verdict struct {
	Criteria Criteria
	Series   []Series
	Flat     bool
}

// Analyze summarizes samples (taken over a run of length d) and checks
// them against c. Too few samples after the warm-up (under 30) make the
// verdict not flat.
func Analyze(samples []Sample, d time.Duration, c Criteria) Verdict {
	c = c.withDefaults(d)
	v := Verdict{Criteria: c, Flat: true}
	pick := []struct {
		name  string
		get   func(Sample) float64
		slope float64
		slack float64
	}{
		{"rss_kib", func(s Sample) float64 { return float64(s.RSSKiB) }, c.RSSSlopeKiBPerMin, 0},
		{"goroutines", func(s Sample) float64 { return float64(s.Goroutines) }, c.CountSlopePerMin, c.Slack},
		{"fds", func(s Sample) float64 { return float64(s.FDs) }, c.CountSlopePerMin, c.Slack},
	}
	end := d
	if n := len(samples); n > 0 {
		end = max(end, samples[n-1].T)
	}
	for _, p := range pick {
		s := summarize(samples, p.get, c.Warmup, end)
		s.Name = p.name
		switch {
		case s.n < 30:
			s.Why = fmt.Sprintf("%d samples after the warm-up, fewer than 30", s.n)
		case s.SlopePerMin > p.slope:
			s.Why = fmt.Sprintf("slope %.2f/min above %.2f/min", s.SlopePerMin, p.slope)
		case s.LastMean > s.RefMean*(1+c.MeanRise)+p.slack:
			s.Why = fmt.Sprintf("last-window mean %.1f above %.1f (reference mean %.1f + %.0f%% + %.0f)",
				s.LastMean, s.RefMean*(1+c.MeanRise)+p.slack, s.RefMean, 100*c.MeanRise, p.slack)
		default:
			s.Flat = true
		}
		v.Flat = v.Flat && s.Flat
		v.Series = append(v.Series, s.Series)
	}
	return v
}

type summary struct {
	Series
	n int // samples after the warm-up
}

// summarize computes a series' figures with warm-up w over a run ending
// at end.
func summarize(samples []Sample, get func(Sample) float64, w, end time.Duration) summary {
	var s summary
	if len(samples) == 0 {
		return s
	}
	s.Start, s.End = get(samples[0]), get(samples[len(samples)-1])
	var sx, sy, sxx, sxy, refSum, lastSum float64
	var refN, lastN int
	for _, sm := range samples {
		if sm.T < w {
			continue
		}
		y := get(sm)
		if s.n == 0 {
			s.AtWarmup, s.Min, s.Max = y, y, y
		}
		s.n++
		s.Min, s.Max = min(s.Min, y), max(s.Max, y)
		x := sm.T.Minutes()
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
		if sm.T < 2*w {
			refSum += y
			refN++
		}
		if sm.T >= end-w {
			lastSum += y
			lastN++
		}
	}
	if n := float64(s.n); s.n >= 2 {
		if den := n*sxx - sx*sx; den != 0 {
			s.SlopePerMin = (n*sxy - sx*sy) / den
		}
	}
	if refN > 0 {
		s.RefMean = refSum / float64(refN)
	}
	if lastN > 0 {
		s.LastMean = lastSum / float64(lastN)
	}
	return s
}
