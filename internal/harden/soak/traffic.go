package soak

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// files served from the run's root: small and medium fit the binary's
// open-file cache (64 KiB of content), big does not and is sent from disk.
var files = []struct {
	name string
	size int
}{
	{"small.txt", 1 << 10},
	{"medium.txt", 48 << 10},
	{"big.bin", 256 << 10},
}

// writeRoot fills dir with the static files.
func writeRoot(dir string) error {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, f := range files {
		b := make([]byte, f.size)
		for i := range b {
			b[i] = 'a' + byte(rng.IntN(26))
		}
		if err := os.WriteFile(filepath.Join(dir, f.name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// client is one kind of traffic: how many clients run it and how many
// operations per second each makes.
type client struct {
	kind    string
	workers int
	rate    float64 // operations per second per worker
	run     func(ctx context.Context, t *traffic, rng *rand.Rand, tick func() bool)
}

// mix is the traffic at scale 1, about 1,000 operations per second: the
// slow clients each take seconds per request on purpose.
var mix = []client{
	{"keepalive", 8, 50, keepAlive},
	{"newconn", 4, 25, newConn},
	{"static", 4, 25, static},
	{"echo", 8, 25, echo},
	{"slowhead", 4, 1, slowHead},
	{"slowbody", 4, 1, slowBody},
	{"slowread", 4, 1, slowRead},
	{"ws", 4, 20, webSocket},
	{"h2", 2, 50, h2},
}

// traffic is the state the clients share.
type traffic struct {
	addr  string
	stats *stats
}

// start runs every client of the mix, scaled, until ctx ends, and returns
// a function that waits for them all.
func (t *traffic) start(ctx context.Context, scale float64, seed uint64) (wait func()) {
	var wg sync.WaitGroup
	n := uint64(0)
	for _, c := range mix {
		for range c.workers {
			n++
			rng := rand.New(rand.NewPCG(seed, n))
			interval := time.Duration(float64(time.Second) / (c.rate * scale))
			wg.Go(func() {
				// Start spread over one interval, so that the clients do
				// not move in step.
				next := time.Now().Add(time.Duration(rng.Int64N(int64(interval))))
				tick := func() bool { return pace(ctx, &next, interval) }
				c.run(ctx, t, rng, tick)
			})
		}
	}
	return wg.Wait
}

// pace waits until next, moves next on by interval and reports whether the
// run goes on. A client that fell behind by more than a second skips the
// operations it missed instead of bursting.
func pace(ctx context.Context, next *time.Time, interval time.Duration) bool {
	now := time.Now()
	if now.Sub(*next) > time.Second {
		*next = now
	}
	if d := next.Sub(now); d > 0 {
		timer := time.NewTimer(d)
		select {
		case <-ctx.Done():
			timer.Stop()
			return false
		case <-timer.C:
		}
	}
	*next = next.Add(interval)
	return ctx.Err() == nil
}

// sleepCtx sleeps for d and reports whether ctx is still live.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}
