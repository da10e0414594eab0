package websocket

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
)

// frameSize is the payload size at which a streamed message is cut into
// a frame.
const frameSize = 32 << 10

// Write sends a whole message of type typ. Text must be UTF-8; it is not
// checked. With permessage-deflate negotiated, a message of at least the
// compression threshold is compressed.
func (c *Conn) Write(ctx context.Context, typ MessageType, p []byte) error {
	if typ != MessageText && typ != MessageBinary {
		return ErrMessageType
	}
	if c.deflate != nil && len(p) >= c.cfg.threshold {
		mw, err := c.startMessage(ctx, typ)
		if err != nil {
			return err
		}
		if _, err := mw.Write(p); err != nil {
			mw.Close()
			return err
		}
		return mw.Close()
	}
	if err := c.writeMsgMu.lock(ctx, c.closed); err != nil {
		return err
	}
	defer c.writeMsgMu.unlock()
	if c.closeSent.Load() {
		return ErrClosed
	}
	return c.writeFrame(ctx, header{fin: true, op: opcode(typ), length: int64(len(p))}, p)
}

// Writer returns a writer for one message of type typ, sent in frames as
// it is written; Close sends the last frame. No other message can be
// written until Close is called; after it, the writer's methods return
// ErrClosed. ctx bounds the writes of every frame of the message.
func (c *Conn) Writer(ctx context.Context, typ MessageType) (io.WriteCloser, error) {
	mw, err := c.startMessage(ctx, typ)
	if err != nil {
		return nil, err
	}
	return writerHandle{mw, mw.gen}, nil
}

// writerHandle is the writer Writer hands out: it stops working once its
// message is closed, even though the messageWriter is reused.
type writerHandle struct {
	mw  *messageWriter
	gen uint64
}

// Write writes to the message, if it is still the one open.
func (h writerHandle) Write(p []byte) (int, error) {
	if h.mw.gen != h.gen {
		return 0, ErrClosed
	}
	return h.mw.Write(p)
}

// Close ends the message, if it is still the one open.
func (h writerHandle) Close() error {
	if h.mw.gen != h.gen {
		return ErrClosed
	}
	return h.mw.Close()
}

// startMessage takes the message lock and prepares c.mw.
func (c *Conn) startMessage(ctx context.Context, typ MessageType) (*messageWriter, error) {
	if typ != MessageText && typ != MessageBinary {
		return nil, ErrMessageType
	}
	if err := c.writeMsgMu.lock(ctx, c.closed); err != nil {
		return nil, err
	}
	if c.closeSent.Load() {
		c.writeMsgMu.unlock()
		return nil, ErrClosed
	}
	mw := &c.mw
	*mw = messageWriter{c: c, ctx: ctx, op: opcode(typ), buf: mw.buf[:0], open: true, gen: mw.gen + 1}
	return mw, nil
}

// messageWriter writes one message in frames.
type messageWriter struct {
	c    *Conn
	ctx  context.Context
	op   opcode // of the next frame: the message type, then continuation
	rsv1 bool   // the next frame is the first of a compressed message
	buf  []byte // uncompressed bytes not yet sent
	open bool
	gen  uint64 // counts messages, so a handle outliving its message fails
	fw   flateWriter
	err  error
}

// flateWriter is the compressor of a message, nil until compression
// starts.
type flateWriter = *flateState

// Write implements io.Writer.
func (mw *messageWriter) Write(p []byte) (int, error) {
	if !mw.open {
		return 0, ErrClosed
	}
	if mw.err != nil {
		return 0, mw.err
	}
	c := mw.c
	if mw.fw != nil {
		return mw.compress(p)
	}
	if c.deflate != nil && len(mw.buf)+len(p) >= c.cfg.threshold {
		// Enough to be worth compressing: start, and compress what was
		// held back.
		mw.fw = c.startDeflate()
		mw.rsv1 = true
		held := mw.buf
		mw.buf = mw.buf[:0]
		if _, err := mw.compress(held); err != nil {
			return 0, err
		}
		return mw.compress(p)
	}
	if c.deflate != nil {
		mw.buf = append(mw.buf, p...) // below the threshold
		return len(p), nil
	}
	n := len(p)
	for len(mw.buf)+len(p) > frameSize {
		k := frameSize - len(mw.buf)
		mw.buf = append(mw.buf, p[:k]...)
		p = p[k:]
		if err := mw.frame(false, mw.buf); err != nil {
			return 0, err
		}
		mw.buf = mw.buf[:0]
	}
	mw.buf = append(mw.buf, p...)
	return n, nil
}

// compress feeds p to the compressor and sends full frames of its output,
// holding back the last 4 bytes, which may be the sync-flush tail.
func (mw *messageWriter) compress(p []byte) (int, error) {
	fs := mw.fw
	n, err := fs.w.Write(p)
	if err != nil {
		mw.err = err
		return n, err
	}
	if len(fs.out) >= frameSize+4 {
		cut := len(fs.out) - 4
		if err := mw.frame(false, fs.out[:cut]); err != nil {
			return n, err
		}
		fs.out = fs.out[:copy(fs.out, fs.out[cut:])]
	}
	return n, nil
}

// Close sends the message's last frame and lets the next message be
// written.
func (mw *messageWriter) Close() error {
	if !mw.open {
		return ErrClosed
	}
	mw.open = false
	mw.gen++
	c := mw.c
	defer c.writeMsgMu.unlock()
	err := mw.err
	if err == nil {
		if fs := mw.fw; fs != nil {
			if err = fs.w.Flush(); err == nil {
				// RFC 7692 §7.2.1: remove the 0x00 0x00 0xff 0xff that
				// ends the sync flush.
				out := fs.out
				if !bytes.HasSuffix(out, deflateTail[:4]) {
					err = errors.New("websocket: compressor output does not end with a sync flush")
				} else {
					err = mw.frame(true, out[:len(out)-4])
				}
			}
			c.endDeflate(fs)
			mw.fw = nil
		} else {
			err = mw.frame(true, mw.buf)
		}
	}
	if len(mw.buf) > frameSize {
		mw.buf = nil // do not keep a large buffer on an idle connection
	}
	return err
}

// frame sends one frame of the message.
func (mw *messageWriter) frame(fin bool, payload []byte) error {
	h := header{fin: fin, rsv1: mw.rsv1, op: mw.op, length: int64(len(payload))}
	mw.op, mw.rsv1 = opContinuation, false
	if err := mw.c.writeFrame(mw.ctx, h, payload); err != nil {
		mw.err = err
		return err
	}
	return nil
}

// writeControl sends a control frame.
func (c *Conn) writeControl(ctx context.Context, op opcode, payload []byte) error {
	return c.writeFrame(ctx, header{fin: true, op: op, length: int64(len(payload))}, payload)
}

// writeClose sends a close frame.
func (c *Conn) writeClose(ctx context.Context, code StatusCode, reason string) error {
	var buf [maxControlPayload]byte
	err := c.writeControl(ctx, opClose, appendClosePayload(buf[:0], code, reason))
	if o, ok := c.nc.(interface{ markOrderly() }); ok && err == nil {
		// Over HTTP/2 the stream then ends with END_STREAM, not
		// RST_STREAM (stream_conn.go).
		o.markOrderly()
	}
	return err
}

// writeFrame sends one frame, unmasked (RFC 6455 §5.1: "A server MUST
// NOT mask any frames"). Frames are written whole, one at a time, so
// control frames can go between the frames of a message.
func (c *Conn) writeFrame(ctx context.Context, h header, payload []byte) error {
	if err := c.writeFrameMu.lock(ctx, c.closed); err != nil {
		return err
	}
	defer c.writeFrameMu.unlock()
	stop := c.watchWrite(ctx)
	defer stop()
	c.wbuf = appendHeader(c.wbuf[:0], h)
	var err error
	if len(payload) <= 1024 {
		c.wbuf = append(c.wbuf, payload...)
		_, err = c.nc.Write(c.wbuf)
	} else {
		bufs := net.Buffers{c.wbuf, payload}
		_, err = bufs.WriteTo(c.nc)
	}
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		c.CloseNow()
		return err
	}
	return nil
}
