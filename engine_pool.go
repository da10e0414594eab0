package httpserver

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// workerPool runs connections on a bounded set of reusable goroutines.
// Work always passes through the queue: a submitter that finds no idle
// worker starts one, up to max; a worker beyond min that found no work for
// idleTimeout exits.
type workerPool struct {
	queue       chan *conn
	run         func(*conn)
	min, max    int64
	idleTimeout time.Duration

	workers, idle, busy atomic.Int64
	quit                chan struct{}
	quitOnce            sync.Once
	stopped             atomic.Bool
}

func newWorkerPool(o PoolOptions, run func(*conn)) *workerPool {
	p := &workerPool{
		queue:       make(chan *conn, o.QueueSize),
		run:         run,
		min:         int64(o.MinWorkers),
		max:         int64(o.MaxWorkers),
		idleTimeout: o.IdleTimeout,
		quit:        make(chan struct{}),
	}
	for range o.MinWorkers {
		p.workers.Add(1)
		go p.worker()
	}
	return p
}

// submit queues c for a worker without blocking; it reports false when
// the queue is full or the pool stopped.
func (p *workerPool) submit(c *conn) bool {
	if p.stopped.Load() {
		return false
	}
	select {
	case p.queue <- c:
	default:
		return false
	}
	p.spawnIfNeeded()
	return true
}

// submitWait queues c, waiting for room until the pool stops; it reports
// whether c was queued.
func (p *workerPool) submitWait(c *conn) bool {
	if p.submit(c) {
		return true
	}
	select {
	case p.queue <- c:
		p.spawnIfNeeded()
		return true
	case <-p.quit:
		return false
	}
}

// spawnIfNeeded starts a worker when none is idle and the bound allows.
// The queue was written before idle is read, and a retiring worker lowers
// idle before it looks at the queue, so queued work always finds a worker.
func (p *workerPool) spawnIfNeeded() {
	if p.idle.Load() > 0 {
		return
	}
	for {
		n := p.workers.Load()
		if n >= p.max {
			return
		}
		if p.workers.CompareAndSwap(n, n+1) {
			go p.worker()
			return
		}
	}
}

// worker runs queued connections until it idles out or the pool stops.
func (p *workerPool) worker() {
	t := time.NewTimer(p.idleTimeout)
	defer t.Stop()
	last := time.Now()
	for {
		p.idle.Add(1)
		select {
		case c := <-p.queue:
			p.idle.Add(-1)
			p.busy.Add(1)
			p.run(c)
			p.busy.Add(-1)
			last = time.Now()
		case <-t.C:
			p.idle.Add(-1)
			if wait := p.idleTimeout - time.Since(last); wait > 0 {
				t.Reset(wait) // worked since the timer was set
				continue
			}
			if p.retire() {
				return
			}
			t.Reset(p.idleTimeout)
			last = time.Now()
		case <-p.quit:
			p.idle.Add(-1)
			p.drain()
			p.workers.Add(-1)
			return
		}
	}
}

// retire ends an idle worker beyond min, unless work arrived meanwhile.
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
		e.s.rejected.Add(1)
		go rejectOverCapacity(nc, e.s.cfg.timeouts.Write)
	}
}

func (e *poolEngine) stats(st *Stats) { e.pool.stats(st) }
func (e *poolEngine) stop()           { e.pool.stop() }
