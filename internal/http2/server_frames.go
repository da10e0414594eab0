package http2

import (
	"errors"
	"net"
	"time"

	"github.com/rawsock/httpserver/internal/http2/hpack"
)

// processFrame applies one frame read by the reader loop. A returned error
// ends the connection; stream errors are handled here.
func (c *ServerConn) processFrame(f *Frame) error {
	switch f.Type {
	case FrameHeaders:
		return c.onHeaders(f)
	case FrameContinuation:
		return c.onContinuation(f)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var err error
	switch f.Type {
	case FrameData:
		err = c.onData(f)
	case FramePriority:
		// RFC 9113 §5.3.1: a stream cannot depend on itself
		// (PROTOCOL_ERROR stream error). Priority is otherwise ignored
		// (§5.3.2 deprecates the scheme).
		if f.Priority.StreamDep == f.StreamID {
			err = c.resetStreamLocked(f.StreamID, ErrCodeProtocol, true)
		}
	case FrameRSTStream:
		err = c.onRSTStream(f)
	case FrameSettings:
		err = c.onSettings(f)
	case FramePing:
		if !f.Flags.Has(FlagAck) {
			// RFC 9113 §6.7: answer with the same data and ACK set.
			c.ctrl = AppendPing(c.ctrl, true, f.PingData)
			err = c.queueControlLocked()
		}
	case FrameGoAway:
		// The client opens no more streams; the open ones finish.
		c.shutdown = true
		c.wake.Broadcast()
	case FrameWindowUpdate:
		err = c.onWindowUpdate(f)
	}
	var se StreamError
	if errors.As(err, &se) {
		return c.streamErrorLocked(se)
	}
	return err
}

func (c *ServerConn) countEmptyLocked() error {
	if c.empties.add(time.Now()) {
		return connError(ErrCodeEnhanceYourCalm, "too many empty frames")
	}
	return nil
}

func (c *ServerConn) onData(f *Frame) error {
	// RFC 9113 §6.9.1: a DATA frame beyond the connection window is a
	// FLOW_CONTROL_ERROR connection error; the whole payload, padding
	// included, counts (§6.1).
	if !c.recvConn.receive(f.FlowLen) {
		return connError(ErrCodeFlowControl, "DATA beyond the connection window")
	}
	s := c.streams[f.StreamID]
	if s == nil || s.state == stateHalfClosedRemote || s.state == stateClosed {
		// Give the connection window back: nobody reads these octets.
		c.consumeLocked(nil, f.FlowLen)
		if f.StreamID > c.maxClientID {
			// RFC 9113 §5.1: DATA on an idle stream is a PROTOCOL_ERROR
			// connection error.
			return connError(ErrCodeProtocol, "DATA on an idle stream")
		}
		// RFC 9113 §5.1: DATA on a half-closed (remote) or closed stream
		// is a STREAM_CLOSED stream error.
		return streamError(f.StreamID, ErrCodeStreamClosed, "DATA after END_STREAM or reset")
	}
	// RFC 9113 §6.9.1: beyond the stream window: FLOW_CONTROL_ERROR.
	if !s.recvWin.receive(f.FlowLen) {
		c.consumeLocked(nil, f.FlowLen)
		return streamError(f.StreamID, ErrCodeFlowControl, "DATA beyond the stream window")
	}
	if len(f.Data) == 0 && !f.Flags.Has(FlagEndStream) {
		if err := c.countEmptyLocked(); err != nil {
			return err
		}
	}
	// Padding is flow-controlled but never read: return it now.
	if pad := f.FlowLen - uint32(len(f.Data)); pad > 0 {
		c.consumeLocked(s, pad)
	}
	s.received += int64(len(f.Data))
	// RFC 9113 §8.1.1: more data than content-length is malformed.
	if s.contentLength >= 0 && s.received > s.contentLength {
		c.consumeLocked(nil, uint32(len(f.Data)))
		return streamError(f.StreamID, ErrCodeProtocol, "body longer than content-length")
	}
	if s.bodyClosed {
		c.consumeLocked(s, uint32(len(f.Data)))
	} else if len(f.Data) > 0 {
		if s.inOff > 0 && cap(s.in)-len(s.in) < len(f.Data) {
			n := copy(s.in, s.in[s.inOff:])
			s.in, s.inOff = s.in[:n], 0
		}
		s.in = append(s.in, f.Data...)
		s.cond.Broadcast()
	}
	if f.Flags.Has(FlagEndStream) {
		// RFC 9113 §8.1.1: less data than content-length is malformed.
		if s.contentLength >= 0 && s.received != s.contentLength {
			return streamError(f.StreamID, ErrCodeProtocol, "body shorter than content-length")
		}
		c.halfCloseRemoteLocked(s)
	}
	return nil
}

func (c *ServerConn) onRSTStream(f *Frame) error {
	s := c.streams[f.StreamID]
	if s == nil {
		if f.StreamID > c.maxClientID {
			// RFC 9113 §6.4: RST_STREAM on an idle stream is a
			// PROTOCOL_ERROR connection error.
			return connError(ErrCodeProtocol, "RST_STREAM on an idle stream")
		}
		return nil // closed: ignore (§5.1)
	}
	// Rapid Reset (CVE-2023-44487): every stream the client cancels
	// counts against the budget.
	over := c.resets.add(time.Now())
	s.abortLocked(ErrStreamReset)
	c.closeStreamLocked(s)
	if over {
		return connError(ErrCodeEnhanceYourCalm, "too many streams reset by the client")
	}
	return nil
}

func (c *ServerConn) onSettings(f *Frame) error {
	if f.Flags.Has(FlagAck) {
		if !c.settingsAcked {
			c.settingsAcked = true
			if t := c.cfg.Limits.HeaderTableSize; t != 4096 {
				c.dec.SetAllowedMaxDynamicTableSize(t)
			}
		}
		return nil
	}
	if err := c.applySettingsLocked(f.Data); err != nil {
		return err
	}
	// RFC 9113 §6.5.3: acknowledge once applied.
	c.ctrl = AppendSettingsAck(c.ctrl)
	return c.queueControlLocked()
}

// applySettingsLocked applies a SETTINGS payload (6 octets per setting).
func (c *ServerConn) applySettingsLocked(payload []byte) error {
	f := Frame{Data: payload}
	for i := 0; i < f.NumSettings(); i++ {
		st := f.Setting(i)
		if err := st.Validate(); err != nil {
			return err
		}
		switch st.ID {
		case SettingHeaderTableSize:
			c.peer.headerTableSize = st.Val
			c.peerTable, c.peerTableNew = st.Val, true
		case SettingMaxConcurrentStreams:
			c.peer.maxConcurrentStreams = st.Val
		case SettingInitialWindowSize:
			// RFC 9113 §6.9.2: the change applies to every open stream's
			// window; one that would exceed 2^31-1 is a FLOW_CONTROL_ERROR
			// connection error.
			delta := int64(st.Val) - int64(c.peer.initialWindowSize)
			for _, s := range c.streams {
				if !s.sendWin.add(delta) {
					return connError(ErrCodeFlowControl, "SETTINGS_INITIAL_WINDOW_SIZE overflows a stream window")
				}
				if delta > 0 && len(s.out) > s.outOff {
					c.readyLocked(s)
				}
			}
			c.peer.initialWindowSize = st.Val
		case SettingMaxFrameSize:
			c.peer.maxFrameSize = st.Val
		case SettingMaxHeaderListSize:
			c.peer.maxHeaderListSize = st.Val
		}
	}
	return nil
}

func (c *ServerConn) onWindowUpdate(f *Frame) error {
	if f.StreamID == 0 {
		// RFC 9113 §6.9.1: a connection window above 2^31-1 is a
		// FLOW_CONTROL_ERROR connection error.
		if !c.sendConn.add(int64(f.Increment)) {
			return connError(ErrCodeFlowControl, "connection window above 2^31-1")
		}
		c.wake.Signal()
		return nil
	}
	s := c.streams[f.StreamID]
	if s == nil {
		if f.StreamID > c.maxClientID {
			// RFC 9113 §5.1: WINDOW_UPDATE on an idle stream is a
			// PROTOCOL_ERROR connection error.
			return connError(ErrCodeProtocol, "WINDOW_UPDATE on an idle stream")
		}
		return nil // closed: ignore (§6.9)
	}
	// RFC 9113 §6.9.1: a stream window above 2^31-1 is a
	// FLOW_CONTROL_ERROR stream error.
	if !s.sendWin.add(int64(f.Increment)) {
		return streamError(f.StreamID, ErrCodeFlowControl, "stream window above 2^31-1")
	}
	if len(s.out) > s.outOff {
		c.readyLocked(s)
	}
	return nil
}

// onHeaders starts a field block; it is processed once END_HEADERS is seen.
func (c *ServerConn) onHeaders(f *Frame) error {
	if len(f.Data) == 0 && !f.Flags.Has(FlagEndHeaders) {
		c.mu.Lock()
		err := c.countEmptyLocked()
		c.mu.Unlock()
		if err != nil {
			return err
		}
	}
	c.blockStream = f.StreamID
	c.blockEnd = f.Flags.Has(FlagEndStream)
	c.blockPriority = f.Priority
	c.blockConts = 0
	if f.Flags.Has(FlagEndHeaders) {
		return c.onFieldBlock(f.Data)
	}
	if uint32(len(f.Data)) > c.cfg.Limits.MaxHeaderBlockSize {
		return connError(ErrCodeEnhanceYourCalm, "field block too large")
	}
	c.block = append(c.block[:0], f.Data...)
	return nil
}

// onContinuation adds a fragment to the open field block. The frame
// reader already checked the CONTINUATION sequence (RFC 9113 §6.10).
func (c *ServerConn) onContinuation(f *Frame) error {
	c.blockConts++
	// CONTINUATION flood (CVE-2024-27316): the block's encoded size and
	// its number of frames are bounded before anything is decoded.
	if c.blockConts > c.cfg.Limits.MaxContinuationFrames {
		return connError(ErrCodeEnhanceYourCalm, "too many CONTINUATION frames")
	}
	if uint32(len(c.block)+len(f.Data)) > c.cfg.Limits.MaxHeaderBlockSize {
		return connError(ErrCodeEnhanceYourCalm, "field block too large")
	}
	if len(f.Data) == 0 && !f.Flags.Has(FlagEndHeaders) {
		c.mu.Lock()
		err := c.countEmptyLocked()
		c.mu.Unlock()
		if err != nil {
			return err
		}
	}
	c.block = append(c.block, f.Data...)
	if f.Flags.Has(FlagEndHeaders) {
		return c.onFieldBlock(c.block)
	}
	return nil
}

// onFieldBlock decodes a complete field block and opens a stream or
// delivers trailers.
func (c *ServerConn) onFieldBlock(block []byte) error {
	id := c.blockStream
	// The block is always decoded, even for a stream about to be refused,
	// to keep the HPACK table in sync (RFC 9113 §4.3).
	var err error
	c.decoded, err = c.dec.DecodeAppend(c.decoded[:0], block)
	tooLarge := errors.Is(err, hpack.ErrHeaderListTooLarge)
	if err != nil && !tooLarge {
		// RFC 9113 §4.3: a field block that cannot be decoded is a
		// COMPRESSION_ERROR connection error.
		return connError(ErrCodeCompression, err.Error())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.streams[id]; s != nil {
		return c.onTrailers(s, tooLarge)
	}
	if id <= c.maxClientID {
		// RFC 9113 §5.1, §5.1.1: HEADERS on a closed stream (or reusing a
		// lower identifier) is a connection error; STREAM_CLOSED names it.
		return connError(ErrCodeStreamClosed, "HEADERS on a closed stream")
	}
	if id%2 == 0 {
		// RFC 9113 §5.1.1: clients open odd-numbered streams only.
		return connError(ErrCodeProtocol, "even-numbered stream from the client")
	}
	c.maxClientID = id
	if c.closed {
		// The connection closed (a failed write) while this block was
		// being read: closeConn has aborted the streams it knew, so a
		// new one would wait forever.
		return net.ErrClosed
	}
	if c.goAwaySent {
		// RFC 9113 §6.8: streams above the GOAWAY's last identifier are
		// not processed; the client may retry them elsewhere.
		c.maxClientID = id
		return nil
	}
	if c.blockPriority.StreamDep == id {
		// RFC 9113 §5.3.1: a stream cannot depend on itself.
		return c.resetStreamLocked(id, ErrCodeProtocol, false)
	}
	l := &c.cfg.Limits
	// RFC 9113 §5.1.2: beyond SETTINGS_MAX_CONCURRENT_STREAMS the stream
	// is refused (REFUSED_STREAM lets the client retry). Handlers still
	// running for reset streams count too, so resets cannot make the
	// server run unbounded handlers (Rapid Reset).
	if uint32(len(c.streams)) >= l.MaxConcurrentStreams || uint32(c.handlers) >= l.MaxConcurrentStreams {
		c.ctrl = AppendRSTStream(c.ctrl, id, ErrCodeRefusedStream)
		return c.queueControlLocked()
	}
	s := c.newStream(id)
	s.req.set(c.decoded, false)
	var h Handler = c.h
	if tooLarge {
		// RFC 9113 §10.5.1: the field block was decoded to keep the
		// table in sync; the request is answered 431.
		h = HandlerFunc(func(s *Stream) {
			if f := c.cfg.Rejected; f != nil {
				f(s, 431)
			}
			s.WriteHeaders(431, nil, true)
		})
	} else {
		rc, reason := validateRequestFields(s.req.fields, c.connectProto)
		if reason != "" {
			c.maybeDiscard(s)
			// RFC 9113 §8.1.1: a malformed request is a PROTOCOL_ERROR
			// stream error.
			c.cfg.Logger.Debug("http2 malformed request", "stream", id, "reason", reason)
			c.ctrl = AppendRSTStream(c.ctrl, id, ErrCodeProtocol)
			if err := c.queueControlLocked(); err != nil {
				return err
			}
			if c.resets.add(time.Now()) {
				return connError(ErrCodeEnhanceYourCalm, "too many streams reset")
			}
			return nil
		}
		s.pseudo = rc.pseudo
		s.contentLength = rc.contentLength
		for s.npseudo < len(s.req.fields) && s.req.fields[s.npseudo].Name[0] == ':' {
			s.npseudo++
		}
		// RFC 9113 §8.1.1: END_STREAM on the head with a non-zero
		// content-length is malformed.
		if c.blockEnd && rc.contentLength > 0 {
			c.maybeDiscard(s)
			c.ctrl = AppendRSTStream(c.ctrl, id, ErrCodeProtocol)
			return c.queueControlLocked()
		}
	}
	s.inMap = true
	c.streams[id] = s
	if c.blockEnd {
		s.state = stateHalfClosedRemote
		s.inEOF = true
	}
	if len(c.streams) == 1 {
		c.setReadDeadlineLocked(time.Now().Add(c.stallCheckInterval()))
	}
	c.handlers++
	c.handlersDone.Add(1)
	s.handler = h
	c.startHandlerLocked(s)
	return nil
}

// maybeDiscard releases a stream that never reached a handler.
func (c *ServerConn) maybeDiscard(s *Stream) {
	s.handlerDone = true
	c.maybeReleaseLocked(s)
}

// onTrailers handles a second field block on an open stream.
func (c *ServerConn) onTrailers(s *Stream, tooLarge bool) error {
	if s.state == stateHalfClosedRemote {
		// RFC 9113 §5.1: HEADERS on a half-closed (remote) stream is a
		// STREAM_CLOSED stream error.
		return c.resetStreamLocked(s.id, ErrCodeStreamClosed, true)
	}
	// RFC 9113 §8.1: a trailer block without END_STREAM is malformed.
	if !c.blockEnd {
		return c.resetStreamLocked(s.id, ErrCodeProtocol, true)
	}
	if tooLarge {
		return c.resetStreamLocked(s.id, ErrCodeProtocol, true)
	}
	if reason := validateTrailerFields(c.decoded); reason != "" {
		return c.resetStreamLocked(s.id, ErrCodeProtocol, true)
	}
	// RFC 9113 §8.1.1: the body must match content-length.
	if s.contentLength >= 0 && s.received != s.contentLength {
		return c.resetStreamLocked(s.id, ErrCodeProtocol, true)
	}
	s.trailers.set(c.decoded, false)
	c.halfCloseRemoteLocked(s)
	return nil
}
