package httpserver

import (
	"context"
	"time"
)

// trackedConn is a connection the Server tracks from accept to close, so
// that Stats counts it, Limits.MaxConns bounds it and Shutdown and Close
// reach it. The HTTP/1 conn implements it; so does an HTTP/2 connection,
// h2Conn (its shutdown sends GOAWAY and lets the open streams finish, RFC
// 9113 §6.8), and so can a hijacked or upgraded connection (a WebSocket) that
// wants Shutdown to reach it.
//
// The Server calls both methods with its mutex held; they must not block.
// Each reports whether the Server must forget the connection now, because
// it is closed and no goroutine of its own will (see conn.go on ending a
// connection); otherwise whoever runs the connection forgets it with
// Server.trackConn(c, false) when it ends.
type trackedConn interface {
	// shutdown asks the connection to end gracefully: close now if it
	// is between requests, else finish what is in flight, take nothing
	// new and close. Shutdown calls it repeatedly until the connection
	// is gone, so it must be idempotent.
	// elapsed is how long the Shutdown has run.
	shutdown(elapsed time.Duration) (serverForgets bool)
	// closeNow closes the connection whatever it is doing (Close, or
	// Shutdown past its deadline).
	closeNow() (serverForgets bool)
	// setSlot returns the connection's position in the Server's set
	// (an embedded connSetSlot).
	setSlot() *int32
}

// trackConn adds c to the connections the server tracks, or forgets it.
// Adding fails once Close was called; during a Shutdown, a connection
// accepted as the listener closed is still served (Shutdown waits for
// Serve to return).
func (s *Server) trackConn(c trackedConn, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		if s.closing {
			return false
		}
		s.conns.add(c)
		s.connCount.Add(1)
	} else if s.conns.remove(c) {
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
		if s.accepting.Load() == 0 && s.shutdownConns(time.Since(start)) {
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
	s.clock.stop()
	s.mu.Lock()
	s.closing = true // nothing is tracked any more
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

// shutdownConns asks every connection to end gracefully, elapsed into the
// shutdown, and reports whether none are left at all.
func (s *Server) shutdownConns(elapsed time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns.each(func(c trackedConn) bool {
		if c.shutdown(elapsed) {
			s.connCount.Add(-1)
			return true
		}
		return false
	})
	return s.conns.len() == 0
}

// closeAllConns closes every connection at once.
func (s *Server) closeAllConns() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns.each(func(c trackedConn) bool {
		if c.closeNow() {
			s.connCount.Add(-1)
			return true
		}
		return false
	})
}
