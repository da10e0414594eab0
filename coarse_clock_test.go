package httpserver

import (
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// holdsWithin polls cond every 100µs until it holds or limit passes, and
// reports whether it held.
func holdsWithin(limit time.Duration, cond func() bool) bool {
	for end := time.Now().Add(limit); time.Now().Before(end); time.Sleep(100 * time.Microsecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// advancesFrom reports whether the clock's readings move past r within
// limit (a clock running without its goroutine would keep returning r).
func advancesFrom(k *coarseClock, r time.Time, limit time.Duration) bool {
	return holdsWithin(limit, func() bool { return k.now().After(r) })
}

// TestCoarseClockLifecycle: the clock starts at the first reading, its
// readings advance while it is used, its goroutine ends by itself once
// unused, it starts again at the next reading, and stop ends it for good
// (readers then read the clock themselves).
func TestCoarseClockLifecycle(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var k coarseClock
	for round := range 2 {
		before := time.Now()
		r := k.now()
		if r.Before(before.Truncate(time.Microsecond)) || r.After(time.Now()) {
			t.Fatalf("round %d: first reading %v, read at %v", round, r, before)
		}
		if !k.running.Load() {
			t.Fatalf("round %d: the first reading did not start the clock", round)
		}
		if !advancesFrom(&k, r, 2*time.Second) {
			t.Fatalf("round %d: readings stay at %v", round, r)
		}
		if !holdsWithin(2*time.Second, func() bool { return !k.running.Load() }) {
			t.Fatalf("round %d: the clock still runs 2s after its last use", round)
		}
	}
	k.now()
	k.stop()
	if !holdsWithin(2*time.Second, func() bool { return !k.running.Load() }) {
		t.Fatal("the clock still runs 2s after stop")
	}
	r := k.now()
	if k.running.Load() {
		t.Fatal("a reading started the clock after stop")
	}
	if time.Since(r) > time.Second || !advancesFrom(&k, r, 2*time.Second) {
		t.Errorf("after stop, readings are not fresh: %v", r)
	}
}

// TestCoarseClockNoLostStart: readers that come and go around the
// clock's decision to stop never take a reading left from before they
// began, the clock's readings keep advancing after each burst (no clock
// marked running without its goroutine), and it ends every time.
func TestCoarseClockNoLostStart(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var k coarseClock
	ancient := time.Now().Add(-time.Hour)
	for i := range 40 {
		if !holdsWithin(2*time.Second, func() bool { return !k.running.Load() }) {
			t.Fatalf("iteration %d: the clock still runs 2s after its last use", i)
		}
		// A stopped clock's reading is old by how long it was idle:
		// make that visible.
		k.unixNano.Store(ancient.UnixNano())
		began := time.Now().Truncate(time.Microsecond)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var stale []time.Time
		for range 4 {
			wg.Go(func() {
				for range 1 + rand.IntN(6) {
					if r := k.now(); r.Before(began) {
						mu.Lock()
						stale = append(stale, r)
						mu.Unlock()
					}
					// Pauses around two ticks: the clock decides to stop
					// while some readers are still to come.
					time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
				}
			})
		}
		wg.Wait()
		if len(stale) > 0 {
			t.Fatalf("iteration %d: readings from before the readers began: %v", i, stale)
		}
		if r := k.now(); !advancesFrom(&k, r, 2*time.Second) {
			t.Fatalf("iteration %d: readings stay at %v (running %v)", i, r, k.running.Load())
		}
	}
}

// TestServedRequestTakesTheCoarseReading: a pipelined request (more
// input buffered behind it) served by the goroutine or pool engine, or by
// an epoll worker, takes the server's coarse clock reading when its
// handler returns, and the last of the batch reads the clock: the Date of
// a response the handler left to commit is the clock's, then a fresh
// one. The clock is made to hold a recognisable reading (marked running,
// with no goroutine to renew it).
func TestServedRequestTakesTheCoarseReading(t *testing.T) {
	held := time.Now().Add(-10 * time.Minute)
	configure := func(s *Server) {
		s.Pool.AlwaysHandOff = true // epoll: served by a worker
		// Deadlines from the held reading stay in the future.
		s.Timeouts.Write, s.Timeouts.Idle = time.Hour, time.Hour
	}
	for _, engine := range engines {
		t.Run(string(engine), func(t *testing.T) {
			ts := startServer(t, HandlerFunc(func(w ResponseWriter, r *Request) {
				w.Write([]byte("ok"))
			}), withEngine(engine), configure)
			k := &ts.Server.clock
			if !holdsWithin(2*time.Second, func() bool { return !k.running.Load() }) {
				t.Fatal("the clock runs before any request")
			}
			k.unixNano.Store(held.UnixNano())
			k.running.Store(true)
			defer k.running.Store(false)
			c, br := ts.rawConn(t)
			const get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
			if _, err := c.Write([]byte(get + get)); err != nil {
				t.Fatal(err)
			}
			for i, want := range []string{"the clock's reading", "a fresh reading"} {
				resp, body := roundTrip(t, c, br, "", "GET")
				if body != "ok" {
					t.Fatalf("response %d: body %q", i+1, body)
				}
				date, err := http.ParseTime(resp.Header.Get("Date"))
				if err != nil {
					t.Fatalf("response %d: Date: %v", i+1, err)
				}
				if got := date.Sub(held).Abs() < time.Second; got != (want == "the clock's reading") {
					t.Errorf("response %d: Date %v, want %s (the clock holds %v)", i+1, date, want, held.UTC())
				}
			}
		})
	}
}
