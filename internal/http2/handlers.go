package http2

import "time"

// maxIdleWorkers bounds the handler goroutines a connection keeps waiting
// for its next stream.
const maxIdleWorkers = 32

// startHandlerLocked runs s's handler on an idle worker or a new one.
func (c *ServerConn) startHandlerLocked(s *Stream) {
	select {
	case c.work <- s:
	default:
		c.workers.Add(1)
		go c.worker(s)
	}
}

// worker runs handlers: s first, then streams handed over by
// startHandlerLocked while it waits idle.
func (c *ServerConn) worker(s *Stream) {
	defer c.workers.Done()
	for {
		c.runHandler(s, s.handler)
		c.mu.Lock()
		if c.idleWorkers >= maxIdleWorkers || c.closed {
			c.mu.Unlock()
			return
		}
		c.idleWorkers++
		c.mu.Unlock()
		select {
		case s = <-c.work:
		case <-c.workQuit:
			return
		}
		c.mu.Lock()
		c.idleWorkers--
		c.mu.Unlock()
	}
}

// runHandler runs h for s and ends the response when it returns.
func (c *ServerConn) runHandler(s *Stream, h Handler) {
	defer c.handlersDone.Done()
	defer func() {
		p := recover()
		c.mu.Lock()
		if p != nil {
			c.cfg.Logger.Error("http2 handler panic", "stream", s.id, "panic", p)
			if s.state != stateClosed {
				c.resetStreamLocked(s.id, ErrCodeInternal, false)
			}
		} else if s.resetErr == nil {
			c.endResponseLocked(s)
		}
		s.handlerDone = true
		s.bodyClosed = true
		if n := len(s.in) - s.inOff; n > 0 {
			s.in, s.inOff = s.in[:0], 0
			c.consumeLocked(s, uint32(n))
		}
		if s.sentEnd && s.state == stateHalfClosedLocal {
			// RFC 9113 §8.1: the response is complete but the request is
			// not: stop the client sending it.
			c.ctrl = AppendRSTStream(c.ctrl, s.id, ErrCodeNo)
			c.ctrlCount++
			c.closeStreamLocked(s)
		}
		c.handlers--
		if c.handlers == 0 && len(c.streams) == 0 {
			c.setReadDeadlineLocked(time.Now().Add(c.cfg.IdleTimeout))
		}
		c.wake.Signal()
		c.maybeReleaseLocked(s)
		c.mu.Unlock()
	}()
	h.ServeStream(s)
}
