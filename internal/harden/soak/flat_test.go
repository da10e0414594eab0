package soak

import (
	"math"
	"strings"
	"testing"
	"time"
)

// series makes one sample a second for d, the figures given by f.
func series(d time.Duration, f func(t time.Duration) Sample) []Sample {
	var out []Sample
	for t := time.Second; t <= d; t += time.Second {
		s := f(t)
		s.T = t
		out = append(out, s)
	}
	return out
}

// wobble is a deterministic ±amp saw of period 7 s, the noise of a
// server's figures under steady load.
func wobble(t time.Duration, amp float64) float64 {
	return amp * (float64(int(t.Seconds())%7)/3 - 1)
}

func TestAnalyze(t *testing.T) {
	const d = 30 * time.Minute
	flat := func(t time.Duration) Sample {
		return Sample{RSSKiB: 16000 + int64(wobble(t, 500)), Goroutines: 55 + int(wobble(t, 4)), FDs: 50 + int(wobble(t, 3))}
	}
	for _, tc := range []struct {
		name    string
		samples []Sample
		notFlat string // "" when flat, else the series that is not
		why     string
	}{
		{"flat", series(d, flat), "", ""},
		{"warm-up growth is ignored", series(d, func(t time.Duration) Sample {
			s := flat(t)
			if t < 4*time.Minute {
				s.RSSKiB -= int64(8000 * (4*time.Minute - t).Minutes() / 4)
			}
			return s
		}), "", ""},
		{"memory leak of 200 KiB/min", series(d, func(t time.Duration) Sample {
			s := flat(t)
			s.RSSKiB += int64(200 * t.Minutes())
			return s
		}), "rss_kib", "slope"},
		{"a goroutine leaked a minute", series(d, func(t time.Duration) Sample {
			s := flat(t)
			s.Goroutines += int(t.Minutes())
			return s
		}), "goroutines", "slope"},
		{"descriptors leaked a minute", series(d, func(t time.Duration) Sample {
			s := flat(t)
			s.FDs += int(t.Minutes())
			return s
		}), "fds", "slope"},
		{"a late step in memory", series(d, func(t time.Duration) Sample {
			s := flat(t)
			if t > 27*time.Minute {
				s.RSSKiB += 4000
			}
			return s
		}), "rss_kib", "last-window mean"},
		{"too short", series(30*time.Second, flat), "rss_kib", "fewer than 30"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.samples[len(tc.samples)-1].T
			v := Analyze(tc.samples, d, Criteria{})
			if v.Flat != (tc.notFlat == "") {
				t.Fatalf("Flat = %v, want %v: %+v", v.Flat, tc.notFlat == "", v.Series)
			}
			for _, s := range v.Series {
				if s.Name == tc.notFlat {
					if s.Flat || !strings.Contains(s.Why, tc.why) {
						t.Errorf("%s: Flat %v, Why %q; want not flat for %q", s.Name, s.Flat, s.Why, tc.why)
					}
				}
			}
		})
	}
}

func TestAnalyzeFigures(t *testing.T) {
	// A straight line: 100,000 KiB + 10 KiB/min; warm-up 5 minutes of 30.
	samples := series(30*time.Minute, func(t time.Duration) Sample {
		return Sample{RSSKiB: 100000 + int64(10*t.Minutes()), Goroutines: 10, FDs: 20}
	})
	v := Analyze(samples, 30*time.Minute, Criteria{})
	if v.Criteria.Warmup != 5*time.Minute {
		t.Errorf("warm-up %v, want 5m", v.Criteria.Warmup)
	}
	rss := v.Series[0]
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"slope", rss.SlopePerMin, 10},
		{"start", rss.Start, 100000},
		{"at warm-up", rss.AtWarmup, 100050},
		{"end", rss.End, 100300},
		{"min", rss.Min, 100050},
		{"max", rss.Max, 100300},
		{"reference mean", rss.RefMean, 100075},
		{"last mean", rss.LastMean, 100275},
	} {
		if math.Abs(c.got-c.want) > 1 {
			t.Errorf("%s = %.2f, want %.0f", c.name, c.got, c.want)
		}
	}
	if !rss.Flat || !v.Series[1].Flat || !v.Series[2].Flat || !v.Flat {
		t.Errorf("not flat: %+v", v.Series)
	}
}
