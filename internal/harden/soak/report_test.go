package soak

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestFailures(t *testing.T) {
	base := Sample{RSSKiB: 16000, Goroutines: 47, Workers: 28, FDs: 17}
	ok := func() *Result {
		return &Result{
			Engine: "epoll", Duration: time.Minute, Baseline: base,
			After:    Sample{RSSKiB: 16100, Goroutines: 40, Workers: 21, FDs: 17},
			Requests: map[string]int64{"echo": 10}, Errors: map[string]int64{},
		}
	}
	for _, tc := range []struct {
		name   string
		change func(r *Result)
		want   string // "" when the run passes
	}{
		{"passes", func(*Result) {}, ""},
		{"idle pool workers still up", func(r *Result) { r.After.Goroutines, r.After.Workers = 60, 41 }, ""},
		{"an error", func(r *Result) { r.Errors["ws: eof"] = 1 }, "1 operations failed"},
		{"a descriptor more", func(r *Result) { r.After.FDs = 18 }, "18 descriptors (baseline 17)"},
		{"a connection open", func(r *Result) { r.After.Conns = 1 }, "1 connections"},
		{"a goroutine more outside the pool", func(r *Result) { r.After.Goroutines = 41 }, "20 goroutines outside the pool (baseline 19)"},
		{"exit status", func(r *Result) { r.ExitErr = errors.New("exit status 1") }, "server on SIGTERM: exit status 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ok()
			tc.change(r)
			got := strings.Join(r.Failures(nil), "\n")
			if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("Failures = %q, want %q", got, tc.want)
			}
			var b strings.Builder
			WriteSummary(&b, r, Analyze(nil, r.Duration, Criteria{}))
			if !strings.Contains(b.String(), "engine epoll: 1m0s of traffic") {
				t.Errorf("summary:\n%s", b.String())
			}
		})
	}
	// The verdict's failures are added when it is given.
	r := ok()
	v := Analyze(nil, time.Minute, Criteria{})
	if got := strings.Join(r.Failures(&v), "\n"); !strings.Contains(got, "rss_kib not flat: 0 samples") {
		t.Errorf("Failures with an empty verdict = %q", got)
	}
}
