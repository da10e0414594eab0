package httpserver

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Server serves HTTP/1.1 on the listeners given to it. Set its fields before
// calling Serve; do not change them afterwards.
type Server struct {
	// Addr is the TCP address ListenAndServe listens on, ":8080" if empty.
	Addr string
	// Handler answers every request; nil answers 404 to all.
	Handler Handler
	// Timeouts bound client waits; zero fields take defaults.
	Timeouts Timeouts
	// Limits bound request sizes and connection counts; zero fields take
	// defaults.
	Limits Limits
	// Name, when not empty, is sent as the Server header field.
	Name string
	// Logger receives the server's own logs (handler panics, accept
	// errors); nil uses slog.Default().
	Logger *slog.Logger
	// Engine is how connections are run: EngineGoroutine, EnginePool or
	// EngineEpoll; empty means DefaultEngine.
	Engine Engine
	// Pool sizes the worker pool of EnginePool and EngineEpoll; zero
	// fields take defaults.
	Pool PoolOptions

	mu         sync.Mutex
	listeners  map[*net.Listener]struct{}
	closers    map[io.Closer]struct{} // closed with the listeners
	conns      map[*conn]struct{}
	inShutdown atomic.Bool
	closing    bool         // Close was called: no connection is taken; guarded by mu
	accepting  atomic.Int32 // Serve calls still running
	connCount  atomic.Int64
	doneCh     chan struct{}
	doneOnce   sync.Once
	rejected   atomic.Uint64

	initOnce sync.Once
	cfg      settings
	eng      atomic.Pointer[connEngine]
}

// settings is the server's configuration with defaults applied, fixed at the
// first Serve.
type settings struct {
	timeouts Timeouts
	limits   Limits
	handler  Handler
	logger   *slog.Logger
	name     string
	engine   Engine
	pool     PoolOptions
}

func (s *Server) init() {
	s.initOnce.Do(func() {
		s.cfg = settings{
			timeouts: s.Timeouts.withDefaults(),
			limits:   s.Limits.withDefaults(),
			handler:  s.Handler,
			logger:   s.Logger,
			name:     s.Name,
			engine:   s.Engine,
		}
		if s.cfg.engine == "" {
			s.cfg.engine = DefaultEngine
		}
		s.cfg.pool = s.Pool.withDefaults(s.cfg.limits.MaxConns)
		if s.cfg.handler == nil {
			s.cfg.handler = NotFoundHandler()
		}
		if s.cfg.logger == nil {
			s.cfg.logger = slog.Default()
		}
		s.listeners = make(map[*net.Listener]struct{})
		s.closers = make(map[io.Closer]struct{})
		s.conns = make(map[*conn]struct{})
		s.doneCh = make(chan struct{})
	})
}

// startEngine makes the engine at the first Serve.
func (s *Server) startEngine() (connEngine, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inShutdown.Load() {
		return nil, ErrServerClosed
	}
	if p := s.eng.Load(); p != nil {
		return *p, nil
	}
	eng, err := s.newEngine()
	if err != nil {
		return nil, err
	}
	s.eng.Store(&eng)
	return eng, nil
}

// ListenAndServe listens on s.Addr and serves until Shutdown or Close, then
// returns ErrServerClosed.
func (s *Server) ListenAndServe() error {
	if s.inShutdown.Load() {
		return ErrServerClosed
	}
	addr := s.Addr
	if addr == "" {
		addr = ":8080"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(l)
}

// Serve accepts connections on l and serves them with the server's Engine.
// It returns ErrServerClosed after Shutdown or Close, and closes l. It
// fails at once with ErrUnknownEngine or ErrEngineUnsupported when the
// engine cannot run.
func (s *Server) Serve(l net.Listener) error {
	s.init()
	eng, err := s.startEngine()
	if err != nil {
		l.Close()
		return err
	}
	if !s.trackListener(&l, true) {
		l.Close()
		return ErrServerClosed
	}
	defer s.trackListener(&l, false)
	// Shutdown waits for this Serve to return: a connection accepted as
	// the listener closed is served, not dropped.
	s.accepting.Add(1)
	defer s.accepting.Add(-1)

	if ae, ok := eng.(acceptingEngine); ok {
		if handled, err := ae.acceptLoop(l); handled {
			return err
		}
	}
	var backoff time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.inShutdown.Load() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || isTemporaryAcceptError(err) {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.cfg.logger.Warn("httpserver: accept error; retrying", "err", err, "delay", backoff)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		if max := s.cfg.limits.MaxConns; max > 0 && s.connCount.Load() >= int64(max) {
			s.rejected.Add(1)
			go rejectOverCapacity(nc, s.cfg.timeouts.Write)
			continue
		}
		eng.handle(nc)
	}
}

func (s *Server) trackListener(l *net.Listener, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		if s.inShutdown.Load() {
			return false
		}
		s.listeners[l] = struct{}{}
	} else {
		delete(s.listeners, l)
	}
	return true
}

// trackCloser adds (or removes) something closed with the listeners, such
// as an engine's duplicate of a listener descriptor.
func (s *Server) trackCloser(c io.Closer, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		if s.inShutdown.Load() {
			return false
		}
		s.closers[c] = struct{}{}
	} else {
		delete(s.closers, c)
	}
	return true
}

func (s *Server) trackConn(c *conn, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		// During a Shutdown, a connection accepted as the listener
		// closed is still served (Shutdown waits for Serve to return).
		if s.closing {
			return false
		}
		s.conns[c] = struct{}{}
		s.connCount.Add(1)
	} else if _, ok := s.conns[c]; ok {
		delete(s.conns, c)
		s.connCount.Add(-1)
	}
	return true
}

// Shutdown stops the server gracefully: it closes the listeners, serves
// the connections accepted meanwhile, lets in-flight requests finish
// (their responses carry "Connection: close") and waits for their
// connections to end. A connection waiting for a request is closed once it
// has waited a second into the shutdown with no input pending: a request
// sent within that second is answered, with "Connection: close". If ctx
// ends first, the remaining connections are closed forcibly and ctx's
// error is returned.
func (s *Server) Shutdown(ctx context.Context) error {
	s.init()
	s.inShutdown.Store(true)
	s.closeListeners()

	start := time.Now()
	ticker := time.NewTicker(5 * time.Millisecond)
	defer ticker.Stop()
	for {
		// Serve returns after tracking what it accepted: check it first.
		if s.accepting.Load() == 0 && s.closeIdleConns(time.Since(start)) {
			s.stopEngine()
			return nil
		}
		select {
		case <-ctx.Done():
			s.closeAllConns()
			s.stopEngine()
			return ctx.Err()
		case <-ticker.C:
		}
	}
}

// Close stops the server at once: it closes the listeners and every
// connection, in flight or not.
func (s *Server) Close() error {
	s.init()
	s.inShutdown.Store(true)
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	s.closeListeners()
	s.closeAllConns()
	s.stopEngine()
	return nil
}

// stopEngine ends the engine's goroutines (they finish the work they
// have) and releases whatever waits for the server to stop.
func (s *Server) stopEngine() {
	s.doneOnce.Do(func() { close(s.doneCh) })
	s.mu.Lock()
	eng := s.eng.Load()
	s.mu.Unlock()
	if eng != nil {
		(*eng).stop()
	}
}

func (s *Server) closeListeners() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for l := range s.listeners {
		(*l).Close()
		delete(s.listeners, l)
	}
	for c := range s.closers {
		c.Close()
		delete(s.closers, c)
	}
}

// closeIdleConns closes the connections waiting for a request, elapsed
// into the shutdown (see closeIfIdle), and reports whether none are left
// at all.
func (s *Server) closeIdleConns(elapsed time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.closeIfIdle(elapsed) {
			delete(s.conns, c)
			s.connCount.Add(-1)
		}
	}
	return len(s.conns) == 0
}

func (s *Server) closeAllConns() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.forceClose() {
			delete(s.conns, c)
			s.connCount.Add(-1)
		}
	}
}

// shuttingDown reports whether Shutdown or Close was called.
func (s *Server) shuttingDown() bool { return s.inShutdown.Load() }
