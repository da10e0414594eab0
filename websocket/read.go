package websocket

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/klauspost/compress/flate"
)

// Read reads the next data message whole. Control frames that arrive
// meanwhile are handled: pings answered, pongs delivered to [Conn.Ping],
// a close frame answered and returned as a [CloseError].
func (c *Conn) Read(ctx context.Context) (MessageType, []byte, error) {
	typ, r, err := c.Reader(ctx)
	if err != nil {
		return 0, nil, err
	}
	mr := r.(readerHandle).rd
	if !mr.compressed && mr.fin {
		// One uncompressed frame: its length is known and within the
		// limit, so the buffer is allocated once.
		b := make([]byte, mr.remaining)
		if _, err := io.ReadFull(mr, b); err != nil {
			return 0, nil, err
		}
		if _, err := mr.Read(nil); err != io.EOF {
			return 0, nil, err
		}
		return typ, b, nil
	}
	// Fragmented or compressed: the size is unknown until the end. The
	// message is gathered in a pooled buffer and copied out at its exact
	// size, so the caller's slice is the only allocation that stays.
	bp := assembly.Get().(*[]byte)
	buf := (*bp)[:0]
	defer func() {
		if cap(buf) <= maxPooledAssembly {
			*bp = buf[:0]
			assembly.Put(bp)
		}
	}()
	for range maxReadCalls {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := mr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return typ, bytes.Clone(buf), nil
		}
		if err != nil {
			return 0, nil, err
		}
	}
	return 0, nil, errors.New("websocket: message read did not end") // unreachable: reads progress or fail
}

// assembly pools the buffers Read gathers messages in; buffers grown past
// maxPooledAssembly are left to the garbage collector.
var assembly = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

const maxPooledAssembly = 1 << 20

// maxReadCalls bounds the loop in Read; a read returns at least one byte
// or an error, except between frames, so this is far beyond any message.
const maxReadCalls = 1 << 40

// Reader waits for the next data message and returns its type and a
// reader of its payload, which ends with io.EOF at the message's end. A
// message not read to its end is discarded by the next call to Reader or
// Read, and the reader must not be used after that call. ctx bounds the
// whole message: if it ends before the message has
// been read, the connection is closed.
func (c *Conn) Reader(ctx context.Context) (MessageType, io.Reader, error) {
	if err := c.readMu.lock(ctx, c.closed); err != nil {
		return 0, nil, err
	}
	defer c.readMu.unlock()
	rd := &c.rd
	if rd.active {
		if _, err := io.Copy(io.Discard, readFunc(rd.read)); err != nil {
			return 0, nil, err
		}
	}
	if c.readErr != nil {
		return 0, nil, c.readErr
	}
	rd.ctx = ctx
	stop := c.watchRead(ctx)
	rd.stop = stop
	if err := c.nextMessage(); err != nil {
		stop()
		return 0, nil, rd.contextError(err)
	}
	return rd.typ, readerHandle{rd, rd.gen}, nil
}

// readFunc adapts a read method to io.Reader.
type readFunc func([]byte) (int, error)

// Read calls f.
func (f readFunc) Read(p []byte) (int, error) { return f(p) }

// nextMessage reads frames up to the first frame of a data message and
// prepares c.rd to read it. Called with readMu held.
func (c *Conn) nextMessage() error {
	h, err := c.nextDataFrame()
	if err != nil {
		return err
	}
	rd := &c.rd
	*rd = messageReader{c: c, ctx: rd.ctx, stop: rd.stop, active: true, typ: MessageType(h.op), gen: rd.gen + 1}
	if err := rd.setFrame(h); err != nil {
		return err
	}
	if h.rsv1 {
		rd.compressed = true
		rd.startInflate()
	}
	return nil
}

// nextDataFrame reads frames, handling control frames, up to the header
// of the next data frame, checked against the message in progress (the
// next one's first frame when c.rd is not active, a continuation when it
// is). Called with readMu held.
func (c *Conn) nextDataFrame() (header, error) {
	for {
		if c.readErr != nil {
			return header{}, c.readErr
		}
		h, err := readHeader(c.br)
		if err != nil {
			return h, c.fail(err)
		}
		c.lastRead.Store(time.Now().UnixNano())
		if err := checkFrame(h, c.rd.active, c.deflate != nil); err != nil {
			return h, c.fail(err)
		}
		if h.op.isControl() {
			if err := c.handleControl(h); err != nil {
				return h, err
			}
			continue
		}
		return h, nil
	}
}

// handleControl reads a control frame's payload and acts on it (RFC 6455
// §5.5).
func (c *Conn) handleControl(h header) error {
	var buf [maxControlPayload]byte
	p := buf[:h.length]
	if err := c.readFull(p); err != nil {
		return c.fail(noEOF(err))
	}
	mask(h.key, 0, p)
	switch h.op {
	case opPing:
		// RFC 6455 §5.5.2: answer with a pong carrying the same data,
		// unless a close frame has been sent (§5.5.1: nothing follows it).
		if !c.closeSent.Load() {
			ctx, cancel := context.WithTimeout(context.Background(), c.cfg.closeTimeout)
			err := c.writeControl(ctx, opPong, p)
			cancel()
			if err != nil {
				return c.fail(err)
			}
		}
	case opPong:
		c.gotPong(p)
	case opClose:
		ce, err := parseClosePayload(p)
		if err != nil {
			return c.fail(err)
		}
		c.peerClose = ce
		if c.closeSent.CompareAndSwap(false, true) {
			// RFC 6455 §5.5.1: answer with a close frame, typically
			// echoing the status code; §7.1.1: the server closes the
			// TCP connection first.
			ctx, cancel := context.WithTimeout(context.Background(), c.cfg.closeTimeout)
			c.writeClose(ctx, ce.Code, "")
			cancel()
			close(c.closeReceived)
			c.CloseNow()
		} else {
			close(c.closeReceived)
		}
		c.readErr = fmt.Errorf("%w", ce)
		return c.readErr
	}
	return nil
}

// fail records a read error. For a violation by the peer it sends a close
// frame with the violation's code and closes the connection (RFC 6455
// §7.1.7); for a broken connection it just closes.
func (c *Conn) fail(err error) error {
	if c.readErr != nil {
		return c.readErr
	}
	c.readErr = err
	var f *failure
	if errors.As(err, &f) && c.closeSent.CompareAndSwap(false, true) {
		ctx, cancel := context.WithTimeout(context.Background(), c.cfg.closeTimeout)
		reason := f.msg
		if len(reason) > maxControlPayload-2 || !validUTF8([]byte(reason)) {
			reason = ""
		}
		if c.writeClose(ctx, f.code, reason) == nil {
			// Give the peer the chance to read the close frame before
			// the socket closes: closing with unread input would reset
			// the connection and lose it. Shutting down the sending side
			// tells the peer nothing more comes; its own close (or its
			// close frame, discarded here) ends the wait, which is
			// bounded in time and bytes.
			if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
				cw.CloseWrite()
			}
			c.nc.SetReadDeadline(time.Now().Add(min(c.cfg.closeTimeout, time.Second)))
			io.CopyN(io.Discard, c.br, 1<<20)
		}
		cancel()
	}
	c.CloseNow()
	return err
}

// messageReader reads one message's payload, across its frames.
type messageReader struct {
	c      *Conn
	ctx    context.Context
	stop   func() bool
	active bool // a message is being read and has not reached io.EOF
	typ    MessageType

	fin       bool  // the current frame is the message's last
	remaining int64 // payload bytes left in the current frame
	key       [4]byte
	pos       int // masking key position

	gen        uint64 // counts messages, so a handle outliving its message fails
	compressed bool
	infl       *inflater
	n          int64 // payload bytes delivered (after decompression)
	announced  int64 // payload bytes announced by the frame headers so far
	utf8       utf8Validator
}

// setFrame starts reading the payload of frame h. An uncompressed
// message is refused as soon as its frames announce more than the read
// limit, before any of it is read.
func (rd *messageReader) setFrame(h header) error {
	rd.fin, rd.remaining, rd.key, rd.pos = h.fin, h.length, h.key, 0
	rd.announced += h.length
	if lim := rd.c.readLimit.Load(); lim >= 0 && !rd.compressed && !h.rsv1 && rd.announced > lim {
		rd.finish()
		return rd.c.fail(&failure{code: StatusMessageTooBig, msg: fmt.Sprintf("message exceeds the read limit of %d bytes", lim)})
	}
	return nil
}

// Read reads the message's payload.
func (rd *messageReader) Read(p []byte) (int, error) {
	return readerHandle{rd, rd.gen}.Read(p)
}

// readerHandle is the reader Reader hands out: once the next message has
// started, it reads as ended, even though the messageReader is reused.
type readerHandle struct {
	rd  *messageReader
	gen uint64
}

// Read reads the message's payload, if it is still the current message.
func (h readerHandle) Read(p []byte) (int, error) {
	rd := h.rd
	c := rd.c
	if err := c.readMu.lock(context.Background(), c.closed); err != nil {
		return 0, rd.contextError(err)
	}
	defer c.readMu.unlock()
	if rd.gen != h.gen {
		return 0, io.EOF
	}
	return rd.read(p)
}

// read is Read with readMu held.
func (rd *messageReader) read(p []byte) (int, error) {
	c := rd.c
	if !rd.active {
		if c.readErr != nil {
			return 0, c.readErr
		}
		return 0, io.EOF
	}
	var n int
	var err error
	if rd.compressed {
		n, err = rd.infl.fr.Read(p)
		if err != nil && err != io.EOF && c.readErr == nil {
			// The inflater saw corrupt data (RFC 7692 §6.2: that fails
			// the connection; 1007 as for other invalid payload data).
			err = c.fail(&failure{code: StatusInvalidFramePayloadData, msg: "invalid compressed data: " + err.Error()})
		}
	} else {
		n, err = rd.readRaw(p)
	}
	if err != nil && err != io.EOF {
		rd.finish()
		return n, rd.contextError(err)
	}
	rd.n += int64(n)
	// RFC 6455 §10.4: an endpoint may limit message size; 1009 says
	// why (§7.4.1).
	if lim := c.readLimit.Load(); lim >= 0 && rd.n > lim {
		rd.finish()
		return 0, c.fail(&failure{code: StatusMessageTooBig, msg: fmt.Sprintf("message exceeds the read limit of %d bytes", lim)})
	}
	if rd.typ == MessageText && !rd.utf8.write(p[:n]) {
		// RFC 6455 §8.1: fail at once on invalid UTF-8 (1007).
		rd.finish()
		return 0, c.fail(&failure{code: StatusInvalidFramePayloadData, msg: "text message is not valid UTF-8"})
	}
	if rd.compressed && !c.deflate.clientNoContextTakeover {
		c.inflDict = slideWindow(c.inflDict, p[:n])
	}
	if err == io.EOF {
		if rd.typ == MessageText && !rd.utf8.complete() {
			rd.finish()
			return 0, c.fail(&failure{code: StatusInvalidFramePayloadData, msg: "text message ends inside a character"})
		}
		rd.finish()
	}
	return n, err
}

// finish ends the message: the context watch stops and the inflater goes
// back to its pool.
func (rd *messageReader) finish() {
	rd.active = false
	if rd.stop != nil {
		rd.stop()
		rd.stop = nil
	}
	if rd.infl != nil {
		putInflater(rd.infl)
		rd.infl = nil
	}
}

// contextError reports the context's error when the context ended the
// read by closing the connection.
func (rd *messageReader) contextError(err error) error {
	if rd.ctx != nil && rd.ctx.Err() != nil {
		return rd.ctx.Err()
	}
	return err
}

// readRaw reads the unmasked payload of the message's frames, crossing
// into continuation frames and handling control frames between them.
func (rd *messageReader) readRaw(p []byte) (int, error) {
	c := rd.c
	for rd.remaining == 0 {
		if rd.fin {
			return 0, io.EOF
		}
		h, err := c.nextDataFrame()
		if err != nil {
			// The input ending between the fragments of a message cuts
			// it: that is no io.EOF, which would end the message as if
			// it were whole.
			return 0, noEOF(err)
		}
		if err := rd.setFrame(h); err != nil {
			return 0, err
		}
	}
	if len(p) == 0 {
		return 0, nil
	}
	if int64(len(p)) > rd.remaining {
		p = p[:rd.remaining]
	}
	n, err := c.br.Read(p)
	if n > 0 {
		c.lastRead.Store(time.Now().UnixNano())
	}
	rd.pos = mask(rd.key, rd.pos, p[:n])
	rd.remaining -= int64(n)
	if err != nil {
		return n, c.fail(noEOF(err))
	}
	return n, nil
}

// inflater is a decompressor with its input buffer; pooled.
type inflater struct {
	fr  io.ReadCloser
	br  *bufio.Reader
	raw rawPayload
}

// rawPayload reads the message's compressed bytes and then deflateTail.
type rawPayload struct {
	rd   *messageReader
	tail []byte
}

// Read returns the compressed payload, then the tail.
func (r *rawPayload) Read(p []byte) (int, error) {
	if r.rd != nil {
		n, err := r.rd.readRaw(p)
		if err != io.EOF {
			return n, err
		}
		r.rd = nil
		if n > 0 {
			return n, nil
		}
	}
	if len(r.tail) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.tail)
	r.tail = r.tail[n:]
	return n, nil
}

var inflaters sync.Pool

// startInflate sets up decompression of the message (RFC 7692 §7.2.2).
func (rd *messageReader) startInflate() {
	in, _ := inflaters.Get().(*inflater)
	if in == nil {
		in = &inflater{br: bufio.NewReaderSize(nil, 4096)}
	}
	in.raw = rawPayload{rd: rd, tail: deflateTail}
	in.br.Reset(&in.raw)
	var dict []byte
	if !rd.c.deflate.clientNoContextTakeover {
		dict = rd.c.inflDict
	}
	if in.fr == nil {
		in.fr = flate.NewReaderDict(in.br, dict)
	} else {
		in.fr.(interface {
			Reset(io.Reader, []byte) error
		}).Reset(in.br, dict)
	}
	rd.infl = in
}

func putInflater(in *inflater) {
	in.raw = rawPayload{}
	in.br.Reset(nil)
	inflaters.Put(in)
}
