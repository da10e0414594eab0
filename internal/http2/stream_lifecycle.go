package http2

import (
	"sync"
	"time"
)

// readyLocked puts s in the writer's round-robin queue.
func (c *ServerConn) readyLocked(s *Stream) {
	if !s.queued {
		s.queued = true
		c.ready = append(c.ready, s)
	}
	c.wake.Signal()
}

// consumeLocked returns n octets of request body to the flow-control
// windows, queueing WINDOW_UPDATE frames as they grow (RFC 9113 §6.9).
func (c *ServerConn) consumeLocked(s *Stream, n uint32) {
	if n == 0 {
		return
	}
	if inc := c.recvConn.consume(n); inc > 0 {
		c.ctrl = AppendWindowUpdate(c.ctrl, 0, inc)
		c.wake.Signal()
	}
	if s != nil && s.state == stateOpen || s != nil && s.state == stateHalfClosedLocal {
		if inc := s.recvWin.consume(n); inc > 0 {
			c.ctrl = AppendWindowUpdate(c.ctrl, s.id, inc)
			c.wake.Signal()
		}
	}
}

// endResponseLocked ends the response of s: a 200 head if none was
// written, END_STREAM after the buffered data.
func (c *ServerConn) endResponseLocked(s *Stream) error {
	if s.endQueued {
		return nil
	}
	if s.resetErr != nil {
		return s.resetErr
	}
	if !s.finalSent {
		if err := s.waitHeaderSlotLocked(); err != nil {
			return err
		}
		s.hdr.reset()
		s.hdrStatus, s.hdrPending, s.hdrEnd, s.hdrTrailers, s.finalSent = 200, true, true, false, true
	} else {
		s.endPending = true
	}
	s.endQueued = true
	c.readyLocked(s)
	return nil
}

// resetStreamLocked ends stream id with RST_STREAM code. byPeerFrame says
// the reset was provoked by the client's frames, which counts against the
// reset budget when a handler was working on it (MadeYouReset,
// CVE-2025-8671).
func (c *ServerConn) resetStreamLocked(id uint32, code ErrCode, byPeerFrame bool) error {
	c.ctrl = AppendRSTStream(c.ctrl, id, code)
	err := c.queueControlLocked()
	if s := c.streams[id]; s != nil {
		if byPeerFrame && !s.handlerDone && c.resets.add(time.Now()) && err == nil {
			err = connError(ErrCodeEnhanceYourCalm, "too many streams reset")
		}
		s.abortLocked(ErrStreamReset)
		c.closeStreamLocked(s)
	}
	return err
}

// streamErrorLocked handles a stream error (RFC 9113 §5.4.2).
func (c *ServerConn) streamErrorLocked(se StreamError) error {
	if se.StreamID > c.maxClientID {
		// RFC 9113 §6.4: RST_STREAM is never sent for an idle stream, so
		// a stream error there (a PRIORITY of the wrong size, a
		// WINDOW_UPDATE of 0, which §5.1 makes a PROTOCOL_ERROR anyway)
		// ends the connection with the same code.
		return connError(se.Code, se.Reason+" on an idle stream")
	}
	return c.resetStreamLocked(se.StreamID, se.Code, true)
}

// closeStreamLocked moves s to closed and forgets it.
func (c *ServerConn) closeStreamLocked(s *Stream) {
	s.state = stateClosed
	if s.inMap {
		s.inMap = false
		delete(c.streams, s.id)
		// Unread body no longer holds the connection window.
		if n := len(s.in) - s.inOff; n > 0 {
			s.in, s.inOff = s.in[:0], 0
			c.consumeLocked(nil, uint32(n))
		}
		if len(c.streams) == 0 {
			c.setReadDeadlineLocked(time.Now().Add(c.cfg.IdleTimeout))
		}
		c.wake.Signal()
	}
	c.maybeReleaseLocked(s)
}

// halfCloseLocalLocked records that END_STREAM was written for s.
func (c *ServerConn) halfCloseLocalLocked(s *Stream) {
	s.sentEnd = true
	switch s.state {
	case stateOpen:
		s.state = stateHalfClosedLocal
		if s.handlerDone {
			// RFC 9113 §8.1: a complete response before the request
			// ended: RST_STREAM NO_ERROR tells the client to stop sending.
			c.ctrl = AppendRSTStream(c.ctrl, s.id, ErrCodeNo)
			c.ctrlCount++
			c.closeStreamLocked(s)
		}
	case stateHalfClosedRemote:
		c.closeStreamLocked(s)
	}
	s.cond.Broadcast()
}

// halfCloseRemoteLocked records END_STREAM from the client.
func (c *ServerConn) halfCloseRemoteLocked(s *Stream) {
	s.inEOF = true
	s.cond.Broadcast()
	switch s.state {
	case stateOpen:
		s.state = stateHalfClosedRemote
	case stateHalfClosedLocal:
		c.closeStreamLocked(s)
	}
}

var streamPool = sync.Pool{New: func() any { return new(Stream) }}

func (c *ServerConn) newStream(id uint32) *Stream {
	var s *Stream
	if raceEnabled {
		s = new(Stream)
	} else {
		s = streamPool.Get().(*Stream)
	}
	in, out := s.in[:0], s.out[:0]
	req, tr, hdr, timer := s.req, s.trailers, s.hdr, s.deadlineTimer
	req.reset()
	tr.reset()
	hdr.reset()
	*s = Stream{c: c, id: id, in: in, out: out, req: req, trailers: tr, hdr: hdr, contentLength: -1, deadlineTimer: timer}
	s.cond.L = &c.mu
	s.recvWin = newRecvWindow(c.cfg.Limits.StreamWindow)
	if !c.settingsAcked && s.recvWin.avail < initialWindow {
		// RFC 9113 §6.9.2: until our SETTINGS are acknowledged the client
		// may use the initial window of 65535; a smaller StreamWindow
		// applies from the ACK on.
		s.recvWin.avail = initialWindow
	}
	s.sendWin = sendWindow{n: int64(c.peer.initialWindowSize)}
	return s
}

// maybeReleaseLocked returns s to the pool once nothing refers to it.
func (c *ServerConn) maybeReleaseLocked(s *Stream) {
	if s.inMap || !s.handlerDone || s.queued || s.released.Load() {
		return
	}
	s.released.Store(true)
	if s.timerMayFire && !s.deadlineTimer.Stop() {
		// The deadline timer fired and its function may be running
		// now, reading s.c: this Stream is not reused.
		return
	}
	if raceEnabled {
		// Strings a handler kept now read as NULs instead of another
		// request's bytes: the misuse shows in tests.
		clear(s.req.buf[:cap(s.req.buf)])
		clear(s.trailers.buf[:cap(s.trailers.buf)])
		return
	}
	streamPool.Put(s)
}
