package httpserver

import (
	"crypto/tls"
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
	// Timeouts bound client waits; zero fields take defaults, negative
	// ones are off (see [Timeouts]).
	Timeouts Timeouts
	// Limits bound request sizes and connection counts; zero fields take
	// defaults (see [Limits] for negative ones).
	Limits Limits
	// Name, when not empty, is sent as the Server header field.
	Name string
	// Logger receives the server's own logs (handler panics, accept
	// errors); nil uses slog.Default().
	Logger *slog.Logger
	// TLSConfig is the TLS configuration ServeTLS and ListenAndServeTLS
	// start from (they copy it and fill in defaults; see
	// [Server.ServeTLS]); nil starts from an empty one. Serve ignores it.
	TLSConfig *tls.Config
	// Engine is how connections are run: EngineGoroutine, EnginePool or
	// EngineEpoll; empty means DefaultEngine.
	Engine Engine
	// Pool sizes the worker pool of EnginePool and EngineEpoll; zero
	// fields take defaults (see [PoolOptions]).
	Pool PoolOptions
	// HTTP2 configures HTTP/2; over cleartext it is off unless
	// HTTP2.H2C is set (see [HTTP2Options]).
	HTTP2 HTTP2Options
	// Rejected, when set, is called for every request the server answers
	// itself before a handler runs (see [RejectedRequest]), on the
	// goroutine that answered; it must not block or keep its argument.
	// The middleware package's access log records these through it.
	Rejected func(*RejectedRequest)

	mu         sync.Mutex
	listeners  map[*net.Listener]struct{}
	closers    map[io.Closer]struct{} // closed with the listeners
	conns      connSet                // guarded by mu
	inShutdown atomic.Bool
	closing    bool         // Close was called or Shutdown ended: no connection is taken; guarded by mu
	accepting  atomic.Int32 // Serve calls still running
	connCount  atomic.Int64
	doneCh     chan struct{}
	doneOnce   sync.Once
	rejected   atomic.Uint64
	clock      coarseClock // the clock reading handlerReturned takes

	initOnce sync.Once
	initErr  error // a setting with no meaning; Serve returns it
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
	h2       HTTP2Options
}

// init fixes the settings at the first use of the server. A setting with
// no meaning is kept in initErr, which Serve returns.
func (s *Server) init() {
	s.initOnce.Do(func() {
		limits, err := s.Limits.withDefaults()
		if err != nil {
			s.initErr = err
			limits, _ = Limits{}.withDefaults()
		}
		pool, err := s.Pool.withDefaults(limits.MaxConns)
		if err != nil {
			if s.initErr == nil {
				s.initErr = err
			}
			pool, _ = PoolOptions{}.withDefaults(limits.MaxConns)
		}
		h2, err := s.HTTP2.withDefaults()
		if err != nil {
			if s.initErr == nil {
				s.initErr = err
			}
			h2, _ = HTTP2Options{}.withDefaults()
		}
		s.cfg = settings{
			timeouts: s.Timeouts.withDefaults(),
			limits:   limits,
			handler:  s.Handler,
			logger:   s.Logger,
			name:     s.Name,
			engine:   s.Engine,
			pool:     pool,
			h2:       h2,
		}
		if s.cfg.engine == "" {
			s.cfg.engine = DefaultEngine
		}
		if s.cfg.handler == nil {
			s.cfg.handler = NotFoundHandler()
		}
		if s.cfg.logger == nil {
			s.cfg.logger = slog.Default()
		}
		s.listeners = make(map[*net.Listener]struct{})
		s.closers = make(map[io.Closer]struct{})
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
// fails at once, closing l, with an error wrapping ErrInvalidSetting and
// naming the field when a setting has no meaning (see [Limits] and
// [PoolOptions]), and with ErrUnknownEngine or ErrEngineUnsupported when
// the engine cannot run.
func (s *Server) Serve(l net.Listener) error {
	s.init()
	if s.initErr != nil {
		l.Close()
		return s.initErr
	}
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
			s.rejectOverCapacity(nc)
			continue
		}
		eng.handle(nc)
	}
}

// isTemporaryAcceptError reports accept errors worth retrying: running out
// of file descriptors or memory, or a connection aborted before accept.
func isTemporaryAcceptError(err error) bool {
	return errors.Is(err, errEMFILE) || errors.Is(err, errENFILE) ||
		errors.Is(err, errECONNABORTED) || errors.Is(err, errENOBUFS) || errors.Is(err, errENOMEM)
}

// rejectOverCapacity counts and answers a connection the server has no
// room for (beyond Limits.MaxConns, or with the worker pool full) with
// 503 and closes it, on a goroutine of its own.
func (s *Server) rejectOverCapacity(nc net.Conn) {
	s.rejected.Add(1)
	if s.Rejected != nil {
		if a := nc.RemoteAddr(); a != nil {
			s.reportOverCapacity(peerOf(a))
		}
	}
	go writeOverCapacity(nc, s.cfg.timeouts.Write)
}

// writeOverCapacity sends the 503 answer to nc, waiting at most a second
// (or timeout, if shorter), and closes it. The deadline bounds reads too:
// on a TLS connection the write first runs the handshake, which waits for
// the client's hello.
func writeOverCapacity(nc net.Conn, timeout time.Duration) {
	defer nc.Close()
	if timeout <= 0 {
		timeout = time.Second
	}
	nc.SetDeadline(time.Now().Add(min(timeout, time.Second)))
	nc.Write(appendOverCapacity(nil))
}

// appendOverCapacity appends the complete response to a connection the
// server has no room for: 503 with Retry-After (RFC 9110 §15.6.4), then
// the connection closes.
func appendOverCapacity(b []byte) []byte {
	b = appendStatusLine(b, StatusServiceUnavailable)
	b = append(b, "Retry-After: 1\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n"...)
	b = appendDate(b, time.Now())
	return append(b, "Content-Length: 20\r\n\r\nService Unavailable\n"...)
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

// shuttingDown reports whether Shutdown or Close was called.
func (s *Server) shuttingDown() bool { return s.inShutdown.Load() }
