//go:build linux

package httpserver

import (
	"sync/atomic"
	"time"
)

// Serving in place: an event loop that finds a complete request head
// serves the connection itself, on its own goroutine, instead of handing
// it to a worker. The hand-off (a channel send, a worker woken and
// scheduled, the connection handed back) was the largest cost the epoll
// engine had beyond the socket's read and write.
//
// The loop must not stay in a handler that waits, or its other
// connections would wait with it. So the role of loop is handed on: the
// goroutine serving in place gives the loop to a new goroutine, which
// goes on with the events still to handle, and becomes a worker that
// finishes its connection and ends. This happens
//   - at once, when the serve is about to wait on its socket (a body not
//     yet arrived, a response the client is slow to take: fdConn.wait);
//   - when one serve has held the loop for more than inPlaceTick to
//     2×inPlaceTick, whatever it waits on (a sleep, a lock, a database):
//     an engine-wide watcher, running only while some loop serves in
//     place, looks at the loops once a tick.
//
// A loop whose serves the watcher has to hand on often (twice within
// catchWindow serves) stops serving in place for a while (it hands every
// request to a worker), so that handlers that block as a rule (a
// database query per request) cost their loop one stall of a tick or two
// per pause, not one per request. The pause starts at minInPlacePause and
// doubles while the loop keeps being caught as often after resuming, up
// to maxInPlacePause. An isolated catch costs no pause: it may be a
// rare slow handler, or a loop whose thread the operating system
// preempted on a busy machine (wrk beside the server was caught about
// 40 times in 900,000 serves).
//
// Exactly one goroutine is a loop's owner at a time: the role passes
// only by a successful compare-and-swap of serving from the serve's
// sequence number to 0, and the winner starts exactly one successor.
//
// A serve in place counts as a worker of the pool (PoolOptions.MaxWorkers
// bounds the handlers running at once): with the pool at its bound the
// loop hands the connection to the pool as before, which queues it.
// PoolOptions.AlwaysHandOff turns serving in place off.

// inPlaceTick is how often the watcher looks at loops serving in place; a
// serve seen at two looks in a row is handed on.
const inPlaceTick = time.Millisecond

// Bounds of the pause of serving in place after a loop was caught held.
const (
	minInPlacePause = 4 * time.Millisecond
	maxInPlacePause = 500 * time.Millisecond
	catchWindow     = 256
)

// inPlace is a loop's state for serving in place. serving, servingOn
// and paused are read by other goroutines; seq and cursor belong to the
// loop's owner (and are read by whoever takes the role from it, after
// the compare-and-swap that publishes them); pause and resumed belong to
// the watcher (one runs at a time). seq, written by the owner alone, is
// atomic only so that Server.Stats may read it (Stats.ServedInPlace): a
// store to a line the loop's goroutine already holds, no contention.
type inPlace struct {
	serving   atomic.Uint64          // sequence number of the serve under way; 0: none
	servingOn atomic.Pointer[fdConn] // the connection it serves
	paused    atomic.Bool            // hand every request off for now
	seq       atomic.Uint64          // last sequence number used: the serves in place so far
	cursor    int                    // index in events of the event being served

	// The clock reading shared with the requests served in place (see
	// loopReading): taken at the first serve after a poll, and again
	// after a tick of the watcher (tick counts them).
	tick    atomic.Uint64
	now     time.Time
	nowTick uint64
	nowOld  bool // a poll since now was read

	pause      time.Duration // the last pause; 0 after an isolated catch
	lastCaught uint64        // the serve caught last
}

// mayServeInPlace reports whether the loop may serve a connection
// itself now, and if so reserves a worker of the pool for the serve.
func (l *eventLoop) mayServeInPlace() bool {
	return l.e.inPlace && !l.ip.paused.Load() && l.e.pool.reserveWorker()
}

// inPlaceServer is what a loop serves in place: a connection claimed and
// read with a complete request head, or an error to answer
// (conn.serveEvented), or the input of a connection taken over with
// HijackEvents (eventedConn.serveInput).
type inPlaceServer interface{ serveFromLoop() }

func (c *conn) serveFromLoop()         { c.serveEvented() }
func (ec *eventedConn) serveFromLoop() { ec.serveInput() }

// serveInPlace serves s, on f, on the loop's goroutine; at is the index
// of its event. It reports whether the goroutine is still the loop's
// owner afterwards; if not, the loop was handed on meanwhile and the
// caller must return without touching the loop. The caller reserved a
// worker of the pool for the serve (mayServeInPlace).
func (l *eventLoop) serveInPlace(f *fdConn, at int, s inPlaceServer) (owner bool) {
	seq := l.ip.seq.Load() + 1
	l.ip.seq.Store(seq)
	l.ip.cursor = at
	if c, ok := s.(*conn); ok {
		if t := l.ip.tick.Load(); l.ip.nowOld || t != l.ip.nowTick {
			l.ip.now, l.ip.nowTick, l.ip.nowOld = time.Now(), t, false
		}
		c.wclock.loop = loopReading{serving: &l.ip.serving, seq: seq, now: l.ip.now}
	}
	l.ip.servingOn.Store(f)
	l.ip.serving.Store(seq)
	l.e.watch.serving()
	p := l.e.pool
	p.busy.Add(1)
	s.serveFromLoop()
	p.busy.Add(-1)
	p.releaseReserved()
	if !l.ip.serving.CompareAndSwap(seq, 0) {
		return false
	}
	l.ip.servingOn.Store(nil)
	return true
}

// handOn gives the loop to a new goroutine if the serve numbered seq
// still holds it; the new goroutine handles the events after the one
// being served, then runs the loop. Whoever calls it (the serving
// goroutine about to wait, or the watcher) never waits.
func (l *eventLoop) handOn(seq uint64) {
	if seq == 0 || !l.ip.serving.CompareAndSwap(seq, 0) {
		return
	}
	l.e.handOns.Add(1)
	go l.run(l.ip.cursor + 1)
}

// handOnBeforeWait is called by a goroutine about to wait on f's socket:
// if f's loop is serving f in place, the loop is handed on first.
// (Should the loop have moved on to another serve between the two loads,
// that serve is handed on instead: early, but correct, as every hand-on
// is.)
func (f *fdConn) handOnBeforeWait() {
	l := f.loop
	if l.ip.servingOn.Load() != f {
		return
	}
	l.handOn(l.ip.serving.Load())
}

// inPlaceWatch runs the watcher goroutine while some loop of the engine
// serves in place, and not otherwise: an idle server has no goroutine
// ticking.
type inPlaceWatch struct {
	e       *epollEngine
	running atomic.Bool
}

// serving is called by a loop that just began a serve in place; it
// starts the watcher unless it runs. The loop stored serving before, and
// the watcher clears running before its last look: one of them sees the
// other's store.
func (w *inPlaceWatch) serving() {
	if !w.running.Load() && w.running.CompareAndSwap(false, true) {
		go w.run()
	}
}

// run looks at the loops once per inPlaceTick and hands on those whose
// serve has not changed since the last look. It ends after two looks in a
// row found no loop serving in place.
func (w *inPlaceWatch) run() {
	loops := w.e.loops
	seen := make([]uint64, len(loops))
	quiet := 0
	for {
		time.Sleep(inPlaceTick)
		busy := false
		for i, l := range loops {
			l.ip.tick.Add(1)
			seq := l.ip.serving.Load()
			if seq != 0 {
				busy = true
				if seq == seen[i] {
					l.caught(seq)
				}
			}
			seen[i] = seq
		}
		if busy {
			quiet = 0
			continue
		}
		if quiet++; quiet < 2 {
			continue
		}
		w.running.Store(false)
		if !w.anyServing() || !w.running.CompareAndSwap(false, true) {
			return
		}
		quiet = 0
	}
}

// caught hands on the loop held by the serve seq, and pauses its serving
// in place.
func (l *eventLoop) caught(seq uint64) {
	if l.ip.serving.Load() != seq {
		return
	}
	l.handOn(seq)
	p := &l.ip
	often := seq-p.lastCaught <= catchWindow
	p.lastCaught = seq
	switch {
	case !often:
		p.pause = 0
		return
	case p.pause == 0:
		p.pause = minInPlacePause
	default:
		p.pause = min(2*p.pause, maxInPlacePause)
	}
	p.paused.Store(true)
	time.AfterFunc(p.pause, func() { p.paused.Store(false) })
}

func (w *inPlaceWatch) anyServing() bool {
	for _, l := range w.e.loops {
		if l.ip.serving.Load() != 0 {
			return true
		}
	}
	return false
}
