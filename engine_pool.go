package httpserver

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// workerPool runs connections on a bounded set of reusable goroutines.
// Work goes straight to an idle worker, the one idle most recently (its
// stack and caches are warm), through that worker's own channel; with
// none idle a new worker is started for it, up to max; beyond that it
// waits in the queue, which workers look at before going idle. A worker
// beyond min that found no work for one to two idleTimeout periods
// exits: a timer looks at the idle workers once a period (sweepIdle).
//
// An idle worker waits on its own channel and nothing else: a hand-off
// is one send that wakes one worker, with no select over channels every
// worker shares and no timer per wait (the runtime would add it to its
// timer heap and take it out again at every wait).
type workerPool struct {
	mu    sync.Mutex
	idle  []*poolWorker // idle workers, most recent last; guarded by mu
	queue chan *conn    // sent to under mu when no worker is idle
	run   func(*conn)

	min, max    int64
	idleTimeout time.Duration
	sweep       *time.Timer // runs sweepIdle once a period; nil: never

	workers, busy atomic.Int64
	quit          chan struct{}
	quitOnce      sync.Once
	stopped       atomic.Bool

	// Test hooks, nil outside tests: before submit queues a connection,
	// and after a stopping worker drained the queue.
	testBeforeQueue, testAfterDrain func()
}

// poolWorker is an idle worker's mailbox: a connection to serve, nil
// when the pool stops, or retireWorker.
type poolWorker struct {
	ch   chan *conn // buffered: a hand-off never blocks
	used bool       // given work since sweepIdle last looked; guarded by mu
}

// retireWorker, sent to an idle worker, makes it exit.
var retireWorker = new(conn)

func newWorkerPool(o PoolOptions, run func(*conn)) *workerPool {
	p := &workerPool{
		queue:       make(chan *conn, o.QueueSize),
		run:         run,
		min:         int64(o.MinWorkers),
		max:         int64(o.MaxWorkers),
		idleTimeout: o.IdleTimeout,
		quit:        make(chan struct{}),
	}
	if p.idleTimeout > 0 {
		p.sweep = time.AfterFunc(p.idleTimeout, p.sweepIdle)
	}
	for range o.MinWorkers {
		p.workers.Add(1)
		go p.worker(nil)
	}
	return p
}

// popIdleLocked takes the most recently idle worker, or nil; p.mu is
// held.
func (p *workerPool) popIdleLocked() *poolWorker {
	n := len(p.idle)
	if n == 0 {
		return nil
	}
	w := p.idle[n-1]
	p.idle[n-1] = nil
	p.idle = p.idle[:n-1]
	w.used = true
	return w
}

// sweepIdle retires the idle workers beyond min that were given no work
// since it last looked, the longest idle first, unless work is queued.
func (p *workerPool) sweepIdle() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped.Load() {
		return
	}
	kept := p.idle[:0]
	for _, w := range p.idle {
		if !w.used && p.retire() {
			w.ch <- retireWorker
			continue
		}
		w.used = false
		kept = append(kept, w)
	}
	clear(p.idle[len(kept):])
	p.idle = kept
	p.sweep.Reset(p.idleTimeout)
}

// submit gives c to a worker, or queues it, without blocking; it reports
// false when the pool and queue are full or the pool stopped.
func (p *workerPool) submit(c *conn) bool {
	if p.stopped.Load() {
		return false
	}
	p.mu.Lock()
	w := p.popIdleLocked()
	p.mu.Unlock()
	if w != nil {
		w.ch <- c
		return true
	}
	if p.reserveWorker() {
		go p.worker(c)
		return true
	}
	if p.testBeforeQueue != nil {
		p.testBeforeQueue()
	}
	// Under mu, where a worker looks at the queue before it goes idle:
	// either it finds c there, or c goes to it.
	p.mu.Lock()
	if w := p.popIdleLocked(); w != nil {
		p.mu.Unlock()
		w.ch <- c
		return true
	}
	select {
	case p.queue <- c:
	default:
		p.mu.Unlock()
		return false
	}
	p.mu.Unlock()
	p.queued()
	return true
}

// submitWait is submit, but waits for room in the queue until the pool
// stops; it reports whether c was taken. The queue is full while it
// waits, so no worker goes idle before taking from it.
func (p *workerPool) submitWait(c *conn) bool {
	if p.submit(c) {
		return true
	}
	select {
	case p.queue <- c:
		p.queued()
		return true
	case <-p.quit:
		return false
	}
}

// releaseReserved gives back a worker reserved for a serve in place (see
// eventLoop.serveInPlace); should connections have been queued while it
// ran, a worker is started for them if the bound allows.
func (p *workerPool) releaseReserved() {
	p.workers.Add(-1)
	if len(p.queue) > 0 && p.reserveWorker() {
		go p.worker(nil)
	}
}

// reserveWorker counts one more worker if the bound allows.
func (p *workerPool) reserveWorker() bool {
	for {
		n := p.workers.Load()
		if n >= p.max {
			return false
		}
		if p.workers.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// queued makes sure a connection just queued is run: it starts a worker if
// one retired meanwhile and left room under the bound. A stop may have
// begun since submit looked, and the workers may have drained the queue
// already: then the queue is drained once more here, on a goroutine of
// its own (the workers still counted may be past their drain, about to
// exit).
func (p *workerPool) queued() {
	if p.reserveWorker() {
		go p.worker(nil)
	}
	if p.stopped.Load() {
		go p.drain()
	}
}

// next is what a worker that finished its work does next: it takes a
// queued connection, or reports stop when the pool stopped, or goes idle
// (adds w to the idle workers) and returns nil.
func (p *workerPool) next(w *poolWorker) (c *conn, stop bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case c := <-p.queue:
		return c, false
	default:
	}
	if p.stopped.Load() {
		return nil, true
	}
	p.idle = append(p.idle, w)
	return nil, false
}

// worker runs first (if any), then whatever it is given, until it is
// retired or the pool stops.
func (p *workerPool) worker(first *conn) {
	if first != nil {
		p.serve(first)
	}
	w := &poolWorker{ch: make(chan *conn, 1), used: true}
	for {
		c, stop := p.next(w)
		if stop {
			p.exit()
			return
		}
		if c == nil {
			switch c = <-w.ch; c {
			case nil: // the pool stopped
				p.exit()
				return
			case retireWorker: // counted out by sweepIdle
				return
			}
		}
		p.serve(c)
	}
}

// exit ends a worker of a stopped pool, after running what is queued.
func (p *workerPool) exit() {
	p.drain()
	if p.testAfterDrain != nil {
		p.testAfterDrain()
	}
	p.workers.Add(-1)
}

func (p *workerPool) serve(c *conn) {
	p.busy.Add(1)
	p.run(c)
	p.busy.Add(-1)
}

// retire ends an idle worker beyond min, unless work is queued.
func (p *workerPool) retire() bool {
	for {
		n := p.workers.Load()
		if n <= p.min {
			return false
		}
		if p.workers.CompareAndSwap(n, n-1) {
			break
		}
	}
	if len(p.queue) > 0 {
		p.workers.Add(1)
		return false
	}
	return true
}

// drain runs what is left in the queue after stop.
func (p *workerPool) drain() {
	for {
		select {
		case c := <-p.queue:
			p.run(c)
		default:
			return
		}
	}
}

// stop makes idle workers exit; busy ones exit when their work ends.
func (p *workerPool) stop() {
	p.quitOnce.Do(func() {
		p.stopped.Store(true)
		close(p.quit)
		// Workers (and sweepIdle, which rearms its timer) look at
		// stopped under mu: the idle workers are all here.
		p.mu.Lock()
		if p.sweep != nil {
			p.sweep.Stop()
		}
		for w := p.popIdleLocked(); w != nil; w = p.popIdleLocked() {
			w.ch <- nil
		}
		p.mu.Unlock()
	})
}

func (p *workerPool) stats(st *Stats) {
	st.Workers = p.workers.Load()
	st.BusyWorkers = p.busy.Load()
	st.QueueDepth = len(p.queue)
	st.QueueCapacity = cap(p.queue)
}

// poolEngine serves each connection, for its whole life, on a worker of a
// bounded pool.
type poolEngine struct {
	s     *Server
	pool  *workerPool
	block bool
}

func newPoolEngine(s *Server) *poolEngine {
	return &poolEngine{
		s:     s,
		pool:  newWorkerPool(s.cfg.pool, (*conn).serve),
		block: s.cfg.pool.BlockWhenFull,
	}
}

func (e *poolEngine) handle(nc net.Conn) {
	c := newConn(e.s, nc)
	if !e.s.trackConn(c, true) {
		nc.Close()
		return
	}
	var ok bool
	if e.block {
		ok = e.pool.submitWait(c)
	} else {
		ok = e.pool.submit(c)
	}
	if !ok {
		e.s.trackConn(c, false)
		e.s.rejectOverCapacity(nc)
	}
}

func (e *poolEngine) stats(st *Stats) { e.pool.stats(st) }
func (e *poolEngine) stop()           { e.pool.stop() }
