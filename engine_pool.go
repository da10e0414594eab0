package httpserver

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// workerPool runs connections on a bounded set of reusable goroutines.
// Work goes straight to a worker waiting on the unbuffered handoff
// channel; with none waiting a new worker is started for it, up to max;
// beyond that it waits in the queue. A worker beyond min that found no
// work for idleTimeout exits.
type workerPool struct {
	handoff     chan *conn
	queue       chan *conn
	run         func(*conn)
	min, max    int64
	idleTimeout time.Duration

	workers, busy atomic.Int64
	quit          chan struct{}
	quitOnce      sync.Once
	stopped       atomic.Bool
}

func newWorkerPool(o PoolOptions, run func(*conn)) *workerPool {
	p := &workerPool{
		handoff:     make(chan *conn),
		queue:       make(chan *conn, o.QueueSize),
		run:         run,
		min:         int64(o.MinWorkers),
		max:         int64(o.MaxWorkers),
		idleTimeout: o.IdleTimeout,
		quit:        make(chan struct{}),
	}
	for range o.MinWorkers {
		p.workers.Add(1)
		go p.worker(nil)
	}
	return p
}

// submit gives c to a worker, or queues it, without blocking; it reports
// false when the pool and queue are full or the pool stopped.
func (p *workerPool) submit(c *conn) bool {
	if p.stopped.Load() {
		return false
	}
	select {
	case p.handoff <- c: // a worker was waiting
		return true
	default:
	}
	if p.reserveWorker() {
		go p.worker(c)
		return true
	}
	select {
	case p.queue <- c:
	default:
		return false
	}
	p.ensureWorker()
	return true
}

// submitWait is submit, but waits for room in the queue until the pool
// stops; it reports whether c was taken.
func (p *workerPool) submitWait(c *conn) bool {
	if p.submit(c) {
		return true
	}
	select {
	case p.queue <- c:
		p.ensureWorker()
		return true
	case <-p.quit:
		return false
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

// ensureWorker starts a worker for queued work if one retired meanwhile
// and left room under the bound.
func (p *workerPool) ensureWorker() {
	if p.reserveWorker() {
		go p.worker(nil)
	}
}

// worker runs first (if any), then whatever it is given, until it idles
// out or the pool stops.
func (p *workerPool) worker(first *conn) {
	if first != nil {
		p.serve(first)
	}
	// The timer is not reset per task (that costs a clock read and a
	// timer update per request): a worker that worked during a period
	// gets another one, so it exits after one to two idle periods.
	t := time.NewTimer(p.idleTimeout)
	defer t.Stop()
	worked := false
	for {
		select {
		case c := <-p.handoff:
			p.serve(c)
			worked = true
		case c := <-p.queue:
			p.serve(c)
			worked = true
		case <-t.C:
			if worked || !p.retire() {
				worked = false
				t.Reset(p.idleTimeout)
				continue
			}
			return
		case <-p.quit:
			p.drain()
			p.workers.Add(-1)
			return
		}
	}
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
