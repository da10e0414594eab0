package soak

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Config is one run's settings.
type Config struct {
	// Binary is the path of the httpserver binary to run.
	Binary string
	// Engine is its --engine.
	Engine string
	// Duration is how long the traffic runs.
	Duration time.Duration
	// Scale multiplies every client's rate; 1 is about 1,000 operations
	// per second in all.
	Scale float64
	// Seed seeds the clients' choices (sizes, ranges, files).
	Seed uint64
	// Prime is how long the traffic runs before the baseline is taken
	// (default 3 s).
	Prime time.Duration
	// Settle bounds the wait, once the clients stop, for the descriptors
	// and goroutines to come back to the baseline (default 15 s).
	Settle time.Duration
	// Args are more arguments for the binary.
	Args []string
	// Log, when set, receives the server's log lines.
	Log io.Writer
	// CSV, when set, receives a header and then each sample as taken.
	CSV io.Writer
	// Logf, when set, receives a progress line every Progress (default a
	// minute).
	Logf     func(format string, args ...any)
	Progress time.Duration
}

// Result is what a run measured.
type Result struct {
	Engine string
	// Baseline is the idle server after the priming, before the
	// traffic; After the idle
	// server once the clients stopped and the figures settled (or Settle
	// passed).
	Baseline, After Sample
	// Samples are taken every second while the traffic runs.
	Samples []Sample
	// Duration is the traffic's length.
	Duration time.Duration
	// Requests counts the operations done by client kind; Errors counts
	// the failures by "kind: reason"; Examples holds the first few
	// failures whole.
	Requests map[string]int64
	Errors   map[string]int64
	Examples []string
	// LogLevels counts the server's log lines by level after start-up.
	LogLevels map[string]int64
	// ExitErr is how the server ended on SIGTERM (nil: exit 0).
	ExitErr error
}

// TotalErrors sums the failures.
func (r *Result) TotalErrors() int64 {
	var n int64
	for _, v := range r.Errors {
		n += v
	}
	return n
}

// TotalRequests sums the operations done.
func (r *Result) TotalRequests() int64 {
	var n int64
	for _, v := range r.Requests {
		n += v
	}
	return n
}

// Settled reports whether the server came back to the baseline once the
// clients stopped: no connection open, no more descriptors, and no more
// goroutines outside the worker pool (whose idle workers exit on their
// own timer, 10-20 s after their last work).
func (r *Result) Settled() bool {
	return r.After.Conns == 0 && r.After.FDs <= r.Baseline.FDs && r.After.NonWorkers() <= r.Baseline.NonWorkers()
}

// Run starts the binary, measures the idle baseline, runs the traffic for
// cfg.Duration while sampling every second, stops the clients, waits for
// the figures to settle and stops the server with SIGTERM. An error means
// the run could not be made (the binary did not start or could not be
// sampled); failed requests are counted in the Result, not returned.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Scale <= 0 {
		cfg.Scale = 1
	}
	if cfg.Settle <= 0 {
		cfg.Settle = 15 * time.Second
	}
	if cfg.Prime <= 0 {
		cfg.Prime = 3 * time.Second
	}
	if cfg.Progress <= 0 {
		cfg.Progress = time.Minute
	}
	logf := cfg.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	root, err := os.MkdirTemp("", "soak-root")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(root)
	if err := writeRoot(root); err != nil {
		return nil, err
	}
	srv, err := startServer(cfg.Binary, cfg.Engine, root, cfg.Args, cfg.Log)
	if err != nil {
		return nil, err
	}
	defer srv.kill()

	res := &Result{Engine: cfg.Engine, Duration: cfg.Duration}
	if !sleepCtx(ctx, 500*time.Millisecond) {
		return nil, ctx.Err()
	}
	idle, err := srv.sample()
	if err != nil {
		return nil, fmt.Errorf("idle: %w", err)
	}
	// Prime: a few seconds of the same traffic, so that what a server
	// starts once (the garbage collector's workers, one per P, at its
	// first cycle) is in the baseline, then wait for its connections to
	// end.
	prime := newStats()
	pctx, pcancel := context.WithTimeout(ctx, cfg.Prime)
	(&traffic{addr: srv.addr, stats: prime}).start(pctx, cfg.Scale, cfg.Seed+1)()
	pcancel()
	deadline := time.Now().Add(cfg.Settle)
	for {
		if res.Baseline, err = srv.sample(); err != nil {
			return nil, fmt.Errorf("baseline: %w", err)
		}
		if res.Baseline.Conns == 0 && res.Baseline.FDs <= idle.FDs || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	res.Baseline.T = 0
	if cfg.CSV != nil {
		if err := writeCSVHeader(cfg.CSV); err != nil {
			return nil, err
		}
	}
	logf("%s: serving on %s; idle before priming: RSS %d KiB, %d goroutines, %d descriptors; after %v of priming (%d operations, %d errors): RSS %d KiB, %d goroutines (%d pool workers), %d descriptors",
		cfg.Engine, srv.addr, idle.RSSKiB, idle.Goroutines, idle.FDs, cfg.Prime, prime.requests.Load(), prime.errs.Load(),
		res.Baseline.RSSKiB, res.Baseline.Goroutines, res.Baseline.Workers, res.Baseline.FDs)

	st := newStats()
	start := time.Now()
	st.onExample = func(msg string) {
		logf("%s: %v: error %s", cfg.Engine, time.Since(start).Round(time.Millisecond), msg)
	}
	tctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	wait := (&traffic{addr: srv.addr, stats: st}).start(tctx, cfg.Scale, cfg.Seed)
	clientsDone := make(chan struct{})
	go func() { wait(); close(clientsDone) }()

	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	lastProgress := start
	maxSamples := int(cfg.Duration/time.Second) + 2
	for len(res.Samples) < maxSamples {
		select {
		case <-tctx.Done():
		case <-ticker.C:
		}
		if tctx.Err() != nil {
			break
		}
		sm, err := srv.sample()
		if err != nil {
			cancel()
			<-clientsDone
			return nil, fmt.Errorf("sample at %v: %w\n%s", time.Since(start).Round(time.Second), err, srv.logTail())
		}
		if tctx.Err() != nil {
			break // the run ended while sampling: the clients are stopping
		}
		sm.T, sm.Requests, sm.Errors = time.Since(start), st.requests.Load(), st.errs.Load()
		res.Samples = append(res.Samples, sm)
		if cfg.CSV != nil {
			if err := writeCSVRow(cfg.CSV, sm); err != nil {
				cancel()
				<-clientsDone
				return nil, err
			}
		}
		if time.Since(lastProgress) >= cfg.Progress {
			lastProgress = time.Now()
			logf("%s: %v: RSS %d KiB, %d goroutines, %d descriptors, %d done, %d errors",
				cfg.Engine, sm.T.Round(time.Second), sm.RSSKiB, sm.Goroutines, sm.FDs, sm.Requests, sm.Errors)
		}
	}
	cancel()
	select {
	case <-clientsDone:
	case <-time.After(2 * slowTimeout):
		return nil, errors.New("clients did not stop within a minute of the run's end")
	}
	res.Requests, res.Errors, res.Examples = st.snapshot()
	_, primeErrs, primeExamples := prime.snapshot()
	for k, v := range primeErrs {
		res.Errors["priming "+k] += v
	}
	res.Examples = append(res.Examples, primeExamples...)

	// Settle: the clients have closed every connection; the server sees
	// the ends and lets go of their descriptors and goroutines.
	deadline = time.Now().Add(cfg.Settle)
	for {
		if res.After, err = srv.sample(); err != nil {
			return nil, fmt.Errorf("after: %w", err)
		}
		res.After.T = time.Since(start)
		if res.Settled() || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	res.LogLevels = srv.logLevels()
	res.ExitErr = srv.stop(30 * time.Second)
	return res, nil
}
