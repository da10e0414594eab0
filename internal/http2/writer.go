package http2

import (
	"runtime"
	"strconv"
	"time"

	"github.com/rawsock/httpserver/internal/http2/hpack"
)

// closeLinger bounds how long a gracefully closed connection waits for the
// client to close its side.
const closeLinger = time.Second

// writeBatch is how many octets the writer gathers before one write.
const writeBatch = 64 << 10

// yieldBelow is the batch below which the writer lets running handlers
// queue more before it writes: a batch of small frames costs a write
// (over TLS a record and a system call) each; at a frame of 16 KiB that
// cost is shared by enough bytes.
const yieldBelow = 16 << 10

// writeLoop is the connection's only writer. Under c.mu it gathers frames
// into its own buffer: all queued control frames first, then one frame at
// a time from the streams that can make progress, in round-robin order,
// within the peer's windows and SETTINGS_MAX_FRAME_SIZE; a small batch
// (under yieldBelow) while handlers run waits for them once
// (runtime.Gosched) and gathers again; then it writes the batch without
// the lock. It is the only user of the HPACK encoder, so
// field blocks are encoded in the order they are sent (RFC 9113 §4.3).
func (c *ServerConn) writeLoop() {
	defer close(c.writerDone)
	enc := hpack.NewEncoder()
	// buf grows with the largest batch written; an idle connection that
	// never sent much holds little.
	var buf []byte
	var fields []hpack.HeaderField
	var status [3]byte
	gather := func(buf []byte) []byte {
		buf = append(buf, c.ctrl...)
		c.ctrl, c.ctrlCount = c.ctrl[:0], 0
		if c.peerTableNew {
			enc.SetMaxDynamicTableSize(c.peerTable)
			c.peerTableNew = false
		}
		if !c.fatal {
			for len(buf) < writeBatch {
				s := c.nextReadyLocked()
				if s == nil {
					break
				}
				buf, fields = c.writeStreamFrameLocked(s, buf, enc, fields, &status)
			}
		}
		return buf
	}
	c.mu.Lock()
	for {
		if c.closed {
			break
		}
		buf = gather(buf[:0])
		if len(buf) == 0 {
			if c.fatal || c.shutdown && len(c.streams) == 0 && c.handlers == 0 {
				break
			}
			c.wake.Wait()
			continue
		}
		if len(buf) < yieldBelow && c.handlers > 0 {
			// Handlers still running are about to queue more: the rest
			// of a response (its DATA, its END_STREAM) or the next one.
			// Let them run once, then gather again, so that one write
			// (one TLS record, one system call) carries more of them;
			// without this a small response cost most of a write.
			c.mu.Unlock()
			runtime.Gosched()
			c.mu.Lock()
			if c.closed {
				break
			}
			buf = gather(buf)
		}
		c.mu.Unlock()
		c.nc.SetWriteDeadline(time.Now().Add(c.cfg.WriteTimeout))
		_, err := c.nc.Write(buf)
		c.mu.Lock()
		if err != nil {
			// The client does not read (WriteTimeout) or is gone: end
			// the connection, which also ends the reader loop.
			c.fatal = true
			c.mu.Unlock()
			c.closeConn()
			return
		}
	}
	fatal := c.fatal
	c.mu.Unlock()
	if !fatal {
		// A graceful end: everything is written. Closing now, with the
		// client's last frames (WINDOW_UPDATE, SETTINGS ACK) unread, would
		// make the kernel reset the connection and the client lose the
		// end of the responses still in flight. So half-close, and let
		// the reader loop drain until the client closes or the linger
		// time passes.
		if cw, ok := c.nc.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
			c.nc.SetReadDeadline(time.Now().Add(closeLinger))
		} else {
			c.closeConn()
		}
	}
}

// nextReadyLocked returns the first stream in the ready queue that can
// write a frame now, moving it to the back (round robin). Streams with
// nothing to write leave the queue; streams blocked on their own window
// leave it too and come back on WINDOW_UPDATE.
func (c *ServerConn) nextReadyLocked() *Stream {
	for i := 0; i < len(c.ready); i++ {
		s := c.ready[i]
		switch c.canWriteLocked(s) {
		case writeNow:
			c.ready = append(append(c.ready[:i], c.ready[i+1:]...), s)
			return s
		case writeNothing:
			c.ready = append(c.ready[:i], c.ready[i+1:]...)
			s.queued = false
			c.maybeReleaseLocked(s)
			i--
		case writeBlocked:
			// stays queued: blocked on the connection window only.
		}
	}
	return nil
}

type writeReadiness uint8

const (
	writeNothing writeReadiness = iota
	writeNow
	writeBlocked
)

func (c *ServerConn) canWriteLocked(s *Stream) writeReadiness {
	if s.state == stateClosed || s.resetErr != nil {
		return writeNothing
	}
	pending := len(s.out) - s.outOff
	if s.hdrPending && (!s.hdrTrailers || pending == 0) {
		return writeNow
	}
	if pending > 0 {
		if s.sendWin.avail() == 0 || c.sendConn.avail() == 0 {
			if s.lent {
				// The handler's Write waits for its slice to be
				// framed: it buffers the rest instead (lendLocked).
				s.cond.Broadcast()
			}
			if s.sendWin.avail() == 0 {
				return writeNothing // WINDOW_UPDATE on the stream requeues it
			}
			return writeBlocked
		}
		return writeNow
	}
	if s.endPending && !s.sentEnd {
		return writeNow
	}
	return writeNothing
}

// writeStreamFrameLocked appends one frame of s: its pending HEADERS, or
// one DATA frame, or an empty DATA frame carrying END_STREAM.
func (c *ServerConn) writeStreamFrameLocked(s *Stream, buf []byte, enc *hpack.Encoder, fields []hpack.HeaderField, status *[3]byte) ([]byte, []hpack.HeaderField) {
	pending := len(s.out) - s.outOff
	if s.hdrPending && (!s.hdrTrailers || pending == 0) {
		fields = fields[:0]
		if !s.hdrTrailers {
			b := strconv.AppendInt(status[:0], int64(s.hdrStatus), 10)
			fields = append(fields, hpack.HeaderField{Name: ":status", Value: bytesString(b)})
		}
		fields = append(fields, s.hdr.fields...)
		// The block is encoded at the end of buf, then framed.
		start := len(buf)
		buf = enc.AppendBlock(buf, fields...)
		block := buf[start:]
		end := s.hdrEnd && pending == 0 && !s.endPending || s.hdrTrailers
		framed := AppendHeaders(c.scratchHeaders[:0], s.id, end, block, c.peer.maxFrameSize)
		c.scratchHeaders = framed
		buf = append(buf[:start], framed...)
		s.hdrPending = false
		if s.hdrEnd && !end {
			s.endPending = true
		}
		if end {
			c.halfCloseLocalLocked(s)
		}
		s.cond.Broadcast()
		return buf, fields
	}
	if pending > 0 {
		n := int64(pending)
		n = min(n, s.sendWin.avail(), c.sendConn.avail(), int64(c.peer.maxFrameSize))
		end := int(n) == pending && s.endPending && !s.hdrPending
		buf = AppendData(buf, s.id, end, s.out[s.outOff:s.outOff+int(n)])
		s.outOff += int(n)
		if s.outOff == len(s.out) && !s.lent {
			s.out, s.outOff = s.out[:0], 0
		}
		s.sendWin.take(n)
		c.sendConn.take(n)
		if end {
			c.halfCloseLocalLocked(s)
		}
		s.cond.Broadcast()
		return buf, fields
	}
	// Only END_STREAM remains.
	buf = AppendData(buf, s.id, true, nil)
	c.halfCloseLocalLocked(s)
	return buf, fields
}
