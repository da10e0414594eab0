package httpserver

import (
	"sync/atomic"
	"time"
)

// A coarse clock per server spares pipelined requests on the goroutine
// and pool engines, and on epoll's workers, their one clock read per
// request (see handlerReturned): a goroutine stores time.Now() once per
// coarseTick while such requests are being served, and handlerReturned
// takes that reading. On a pipelined benchmark (16 requests a batch) the
// clock read was 5-7% of the server's CPU; the clock costs one wake-up
// per millisecond instead. handlerReturned takes it only when more input
// waits behind the request: taken by requests that come one per socket
// read as well, the wake-ups cost more than the reads they spared (a
// side-by-side run of plaintext over 256 connections measured 4-7% fewer
// requests per CPU-second), while the last request of a batch reading the
// clock costs a pipelined batch of 16 one read instead of 16.
//
// The clock runs only while used: the first reader that finds it not
// running reads time.Now() itself, stores it as the reading and starts
// the goroutine (a compare-and-swap on running, so one starts); the
// goroutine ends by itself after two ticks in a row in which no reader
// used it, so an idle server has no goroutine ticking. Close and Shutdown
// also stop it (within a tick).
//
// No lost start: running is set only by the compare-and-swap of the
// reader that starts the goroutine, and cleared only by that goroutine
// as it ends, after its last store; a reader that finds running set
// therefore takes a reading stored by a goroutine that is still ticking
// or has just decided to end, and a reader that finds it clear reads the
// clock and starts a new one. The reading is stored before running is
// set, so a reader never takes a reading left from an earlier run.
//
// Staleness: a reading is at most a tick plus the goroutine's wake-up
// delay old, which in normal operation is a few microseconds (an expired
// timer is run at the next scheduling point of any P, and the goroutine
// it wakes runs next on that P), so a reading is a millisecond or two old.
// Under CPU starvation (the process denied a CPU for a while) the wake-up
// is late by as long, and so is the reading; the requests being served
// then are as late, the goroutines serving them starved alike. A stale
// reading is always in the past, so what it is used for errs one way
// only: a Date up to that much behind (it is formatted to the second),
// and write and idle deadlines earlier by that much, never later.
//
// The reading carries no monotonic part: the uses above are wall times.

// coarseTick is how often a running coarse clock renews its reading.
const coarseTick = time.Millisecond

// coarseClock is a server's coarse clock; the zero value is ready, not
// running.
type coarseClock struct {
	unixNano atomic.Int64 // the last reading
	// used: a reader took the reading since the last tick. Readers
	// store it only when they find it clear, so that at most a few
	// stores per tick contend for its cache line.
	used    atomic.Bool
	running atomic.Bool // a goroutine ticks (see run)
	stopped atomic.Bool // the server stopped: no goroutine is started any more
}

// now returns the clock's recent reading, or reads the clock and starts
// the goroutine if it is not running.
func (k *coarseClock) now() time.Time {
	if k.running.Load() {
		if !k.used.Load() {
			k.used.Store(true)
		}
		return time.Unix(0, k.unixNano.Load())
	}
	now := time.Now()
	if !k.stopped.Load() {
		k.unixNano.Store(now.UnixNano())
		if k.running.CompareAndSwap(false, true) {
			go k.run()
		}
	}
	return now
}

// run renews the reading once per coarseTick until two ticks in a row
// found it unused, or the server stopped.
func (k *coarseClock) run() {
	quiet := 0
	for {
		time.Sleep(coarseTick)
		k.unixNano.Store(time.Now().UnixNano())
		if k.stopped.Load() {
			break
		}
		if k.used.Swap(false) {
			quiet = 0
			continue
		}
		if quiet++; quiet >= 2 {
			break
		}
	}
	k.running.Store(false)
}

// stop makes a running goroutine end at its next tick, and keeps readers
// from starting another: they read the clock themselves.
func (k *coarseClock) stop() { k.stopped.Store(true) }
