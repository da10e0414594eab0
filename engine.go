package httpserver

import (
	"errors"
	"fmt"
	"net"
	"strings"
)

// Engine names the way a Server runs its connections. Every engine serves
// the same protocol with the same handlers; they differ in what a
// connection costs and how load is bounded.
type Engine string

const (
	// EngineGoroutine serves each connection on a goroutine of its own,
	// started at accept and ended at close. Go's runtime multiplexes the
	// sockets with epoll underneath.
	EngineGoroutine Engine = "goroutine"
	// EnginePool hands each accepted connection to a bounded pool of
	// reusable worker goroutines (see [PoolOptions]); when the pool and
	// its queue are full, new connections are answered 503 with
	// Retry-After, or wait in the kernel's backlog.
	EnginePool Engine = "pool"
	// EngineEpoll (Linux only) multiplexes non-blocking sockets with epoll
	// in one event loop per CPU. An idle keep-alive connection holds no
	// goroutine and no buffers. A loop that finds a complete request head
	// runs the handler itself and hands its role of loop to a new
	// goroutine as soon as the handler waits on the connection or runs
	// for about a millisecond; [PoolOptions.AlwaysHandOff] makes it hand
	// every request to the worker pool instead.
	EngineEpoll Engine = "epoll"
)

// DefaultEngine is the engine of a Server whose Engine field is empty.
// docs/architecture.md explains the choice with measurements.
const DefaultEngine = EngineGoroutine

// ErrUnknownEngine is returned by ParseEngine and Serve for an engine name
// that is not one of the Engine constants.
var ErrUnknownEngine = errors.New("httpserver: unknown engine")

// ErrEngineUnsupported is returned by Serve when the engine cannot run on
// this operating system (EngineEpoll outside Linux).
var ErrEngineUnsupported = errors.New("httpserver: engine not supported on this system")

// Engines lists the engines this build knows, the default first.
func Engines() []Engine { return []Engine{EngineGoroutine, EnginePool, EngineEpoll} }

// ParseEngine returns the engine named s ("goroutine", "pool" or "epoll",
// any case); the empty string is the default.
func ParseEngine(s string) (Engine, error) {
	if s == "" {
		return DefaultEngine, nil
	}
	e := Engine(strings.ToLower(strings.TrimSpace(s)))
	for _, known := range Engines() {
		if e == known {
			return e, nil
		}
	}
	return "", fmt.Errorf("%w %q (want goroutine, pool or epoll)", ErrUnknownEngine, s)
}

// Stats is a snapshot of a server's load, for metrics.
type Stats struct {
	// Engine is the engine serving connections.
	Engine Engine
	// Conns is the number of open connections, idle ones included.
	Conns int64
	// Workers is the number of worker goroutines alive (pool and epoll
	// engines), BusyWorkers those running a connection or request.
	Workers, BusyWorkers int64
	// QueueDepth is the number of connections (pool) or requests (epoll)
	// waiting for a worker; QueueCapacity its bound.
	QueueDepth, QueueCapacity int
	// Rejected counts connections refused for capacity: beyond
	// Limits.MaxConns, or with the pool and its queue full.
	Rejected uint64
	// ServedInPlace counts the serves an event loop of EngineEpoll ran on
	// its own goroutine instead of handing them to a worker (see
	// [PoolOptions.AlwaysHandOff]): each is a connection's ready
	// requests (one, or a pipelined batch) or a batch of input of a
	// connection taken over with HijackEvents. Zero on other engines and
	// with AlwaysHandOff.
	ServedInPlace uint64
	// HandOns counts the times an event loop of EngineEpoll serving in
	// place handed its role of loop on to a new goroutine, because the
	// serve was about to wait on its connection or had held the loop for
	// about a millisecond. Few hand-ons per serve in place is the case
	// serving in place is made for; many mean handlers that wait, for
	// which AlwaysHandOff may serve better. Zero on other engines.
	HandOns uint64
}

// Stats reports the server's current load.
func (s *Server) Stats() Stats {
	s.init()
	st := Stats{Engine: s.cfg.engine, Conns: s.connCount.Load(), Rejected: s.rejected.Load()}
	if eng := s.eng.Load(); eng != nil {
		(*eng).stats(&st)
	}
	return st
}

// connEngine runs the connections accepted by Serve.
type connEngine interface {
	// handle takes an accepted connection; it must not block for long.
	handle(nc net.Conn)
	// stats adds the engine's figures.
	stats(st *Stats)
	// stop ends the engine's goroutines once its connections are gone.
	stop()
}

// acceptingEngine is an engine with its own accept loop for some
// listeners.
type acceptingEngine interface {
	// acceptLoop serves l until it closes, if the engine handles this
	// kind of listener; handled false leaves l to Serve's loop.
	acceptLoop(l net.Listener) (handled bool, err error)
}

// goroutineEngine serves each connection on a goroutine of its own.
type goroutineEngine struct{ s *Server }

func (e goroutineEngine) handle(nc net.Conn) {
	c := newConn(e.s, nc)
	if !e.s.trackConn(c, true) {
		nc.Close()
		return
	}
	go c.serve()
}

func (goroutineEngine) stats(*Stats) {}
func (goroutineEngine) stop()        {}

// newEngine makes the engine named in the settings.
func (s *Server) newEngine() (connEngine, error) {
	switch s.cfg.engine {
	case EngineGoroutine:
		return goroutineEngine{s}, nil
	case EnginePool:
		return newPoolEngine(s), nil
	case EngineEpoll:
		return newEpollEngine(s)
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownEngine, string(s.cfg.engine))
}
