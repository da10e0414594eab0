package websocket

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/flate"
	"github.com/rawsock/httpserver"
)

// EventHandler receives the messages of a connection accepted with
// [AcceptEvents]. OnMessage is required; OnClose may be nil.
type EventHandler struct {
	// OnMessage is called once per whole data message, on a goroutine
	// of the server's, one call at a time and in order. msg is valid
	// only during the call: copy what you keep. It may write (Write is
	// safe from here and from any other goroutine) and close; it should
	// not block for long, as no further input of the connection is read
	// until it returns. A panic in it fails the connection with
	// StatusInternalError (1011) and is logged by the server.
	OnMessage func(c *EventConn, typ MessageType, msg []byte)
	// OnClose is called once, after the last OnMessage, when the
	// connection has ended: with the peer's close frame as a
	// [CloseError] (wrapped), the violation the connection was failed
	// for (wrapped with its close code), or the error that ended the
	// TCP connection.
	OnClose func(c *EventConn, err error)
}

// EventConn is a WebSocket connection accepted by [AcceptEvents]: its
// messages are delivered to an [EventHandler] instead of being read.
//
// Between messages, on the epoll engine over plain TCP, it holds no
// goroutine and no buffer: the server reads the socket when bytes
// arrive (see httpserver.ResponseController.HijackEvents). A frame or
// message that arrives in pieces is kept between reads in a buffer
// sized to what has arrived, released when the message is delivered;
// with permessage-deflate the compressed bytes are kept that way and a
// decompressor is taken from a pool only to inflate the whole message.
// Pings are answered and the close handshake handled as by [Conn]; the
// same rules fail the connection with the same close codes.
//
// Graceful server shutdown reaches an EventConn without a [Group]: the
// server's Shutdown sends StatusGoingAway (1001) and waits for the close
// handshake, within the Shutdown's context.
type EventConn struct {
	nc           net.Conn
	h            EventHandler
	subprotocol  string
	deflate      *deflateParams // nil when not negotiated
	closeTimeout time.Duration
	readLimit    atomic.Int64 // -1: none
	threshold    int32        // compression threshold of outgoing messages
	closeSent    atomic.Bool  // a close frame was sent (or is being sent)
	level        int8         // compression level of outgoing messages

	// Reader state, owned by the goroutine delivering events. An idle
	// connection is this struct alone: what spans events (part) is taken
	// from a pool and released when its message ends, and what only some
	// connections need (more) is made on first use.
	hdrN       uint8 // bytes of a header that arrived in part, in hdr
	maskPos    uint8
	inFrame    bool // a frame's payload is being received: frame, remaining
	inMessage  bool // a data message has started and not ended
	compressed bool // that message is compressed
	stopped    bool // input ignored: the peer closed, or the connection failed
	msgOp      opcode
	hdr        [maxHeaderSize]byte
	frame      frameHead
	remaining  int64 // payload bytes of the frame still to come
	part       *partial
	more       *readerExtra
	ka         *eventKeepAlive // with AcceptOptions.PingInterval

	wmu        sync.Mutex  // one frame on the wire at a time
	fw         *flateState // the compressor kept with context takeover; guarded by wmu
	closeTimer atomic.Pointer[time.Timer]
}

// frameHead is what the event reader keeps of the frame being received.
type frameHead struct {
	key    [4]byte
	op     opcode
	fin    bool
	length int64
}

// partial is a message (or control frame) that spans events: pooled,
// held only until it ends.
type partial struct {
	buf       []byte // the message (compressed or not) so far
	whole     []byte // the message's one frame, whole in one read: not copied
	ctl       []byte // a control frame's payload so far
	utf8      utf8Validator
	announced int64 // payload bytes announced by the message's frames so far
}

var partials = sync.Pool{New: func() any { return new(partial) }}

// maxPooledPartial bounds the message buffer a pooled partial keeps.
const maxPooledPartial = 64 << 10

// readerExtra is reader state only some connections need.
type readerExtra struct {
	inflDict  []byte // the inflate window kept with context takeover
	readErr   error  // why the connection ended, for OnClose
	discarded int    // bytes ignored since stopped
}

// extra returns c.more, made on first use.
func (c *EventConn) extra() *readerExtra {
	if c.more == nil {
		c.more = new(readerExtra)
	}
	return c.more
}

// takePart returns the partial state, taken from the pool if needed.
func (c *EventConn) takePart() *partial {
	if c.part == nil {
		c.part = partials.Get().(*partial)
	}
	return c.part
}

// releasePart gives the partial state back once neither a message nor a
// control frame is in progress.
func (c *EventConn) releasePart() {
	p := c.part
	if p == nil {
		return
	}
	c.part = nil
	if cap(p.buf) > maxPooledPartial {
		p.buf = nil
	}
	*p = partial{buf: p.buf[:0], ctl: p.ctl[:0]}
	partials.Put(p)
}

// maxHeaderSize is the largest frame header: 2 bytes, 8 of length, 4 of
// mask key.
const maxHeaderSize = 14

// AcceptEvents checks the opening handshake of r as [Accept] does (with
// the same answers to a bad one), answers 101 and takes the connection
// over with its messages delivered to h. The handler should return
// afterwards: the events begin when it has returned. The returned
// EventConn may be written to from anywhere.
//
// AcceptEvents needs a writer whose connection can be handed over with
// its input as events (httpserver's HTTP/1.1 writer, or middleware that
// Unwraps to it); otherwise it answers 500 and returns an error wrapping
// httpserver.ErrNotSupported. The AcceptOptions apply except Group,
// PingInterval and PongTimeout (the server's Shutdown reaches the
// connection directly; keep-alive pings are not sent).
func AcceptEvents(w httpserver.ResponseWriter, r *httpserver.Request, opts *AcceptOptions, h EventHandler) (*EventConn, error) {
	if h.OnMessage == nil {
		return nil, errors.New("websocket: AcceptEvents needs an OnMessage")
	}
	cfg := opts.withDefaults()
	subprotocol, dp, err := answerUpgrade(w, r, &cfg, canHijackEvents(w), "hand over its connection as events")
	if err != nil {
		return nil, err
	}
	c := &EventConn{
		h:            h,
		subprotocol:  subprotocol,
		deflate:      dp,
		level:        int8(cfg.level),
		threshold:    int32(min(cfg.threshold, 1<<30)),
		closeTimeout: cfg.closeTimeout,
	}
	c.readLimit.Store(cfg.readLimit)
	nc, err := httpserver.NewResponseController(w).HijackEvents((*eventInput)(c))
	if err != nil {
		return nil, fmt.Errorf("websocket: taking over the connection: %w", err)
	}
	c.nc = nc
	if cfg.pingInterval > 0 {
		c.startKeepAlive(cfg.pingInterval, cfg.pongTimeout)
	}
	return c, nil
}

// canHijackEvents reports whether w, or a writer reached through its
// Unwrap chain, can hand over its connection as events.
func canHijackEvents(w httpserver.ResponseWriter) bool {
	for range 100 { // a chain of wrappers, not a cycle
		if _, ok := w.(httpserver.EventHijacker); ok {
			return true
		}
		u, ok := w.(interface {
			Unwrap() httpserver.ResponseWriter
		})
		if !ok {
			return false
		}
		w = u.Unwrap()
	}
	return false
}

// Subprotocol returns the subprotocol chosen in the handshake, or "".
func (c *EventConn) Subprotocol() string { return c.subprotocol }

// Compressed reports whether permessage-deflate was negotiated.
func (c *EventConn) Compressed() bool { return c.deflate != nil }

// LocalAddr returns the server's address of the connection.
func (c *EventConn) LocalAddr() net.Addr { return c.nc.LocalAddr() }

// RemoteAddr returns the client's address.
func (c *EventConn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// SetReadLimit changes the largest message the connection accepts (see
// [AcceptOptions.ReadLimit]); a negative n means no limit. It applies from
// the next frame.
func (c *EventConn) SetReadLimit(n int64) { c.readLimit.Store(max(n, -1)) }

// CloseNow closes the TCP connection at once, without a close handshake.
// OnClose follows. It is safe to call more than once and from anywhere.
func (c *EventConn) CloseNow() error {
	if t := c.closeTimer.Load(); t != nil {
		t.Stop()
	}
	return c.nc.Close()
}

// Close starts the close handshake (RFC 6455 §7.1.2): it sends a close
// frame with code and reason and returns without waiting, so it may be
// called from OnMessage. The connection is closed when the peer's close
// frame arrives, or after the CloseTimeout; OnClose reports the end. The
// reason must be UTF-8 of at most 123 bytes; StatusNoStatusReceived
// sends a close frame without a body. Close fails with ErrClosed when a
// close frame was sent already.
func (c *EventConn) Close(code StatusCode, reason string) error {
	if err := checkSendClose(code, reason); err != nil {
		return err
	}
	if !c.closeSent.CompareAndSwap(false, true) {
		return ErrClosed
	}
	c.armCloseTimer(c.closeTimeout)
	return c.writeClose(context.Background(), code, reason)
}

// armCloseTimer closes the connection after d unless it closes first.
func (c *EventConn) armCloseTimer(d time.Duration) {
	t := time.AfterFunc(d, func() { c.nc.Close() })
	if !c.closeTimer.CompareAndSwap(nil, t) {
		t.Stop()
	}
}

// Write sends a whole message of type typ; it is safe from OnMessage and
// from any goroutine. Text must be UTF-8; it is not checked. With
// permessage-deflate negotiated, a message of at least the compression
// threshold is compressed. If ctx ends before the message is sent, the
// connection is closed.
func (c *EventConn) Write(ctx context.Context, typ MessageType, p []byte) error {
	if typ != MessageText && typ != MessageBinary {
		return ErrMessageType
	}
	if c.closeSent.Load() {
		return ErrClosed
	}
	h := header{fin: true, op: opcode(typ), length: int64(len(p))}
	if c.deflate == nil || len(p) < int(c.threshold) {
		return c.writeFrame(ctx, h, p, nil)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	fs := takeDeflater(&c.fw, c.deflate.serverNoContextTakeover, int(c.level))
	defer releaseDeflater(fs, c.fw, int(c.level))
	fs.w.Write(p)
	if err := fs.w.Flush(); err != nil {
		return err
	}
	// RFC 7692 §7.2.1: remove the 0x00 0x00 0xff 0xff that ends the sync
	// flush.
	out := fs.out
	if !bytes.HasSuffix(out, deflateTail[:4]) {
		return errors.New("websocket: compressor output does not end with a sync flush")
	}
	out = out[:len(out)-4]
	h.rsv1, h.length = true, int64(len(out))
	return c.writeFrame(ctx, h, out, &c.wmu)
}

// writeClose sends a close frame.
func (c *EventConn) writeClose(ctx context.Context, code StatusCode, reason string) error {
	var buf [maxControlPayload]byte
	p := appendClosePayload(buf[:0], code, reason)
	return c.writeFrame(ctx, header{fin: true, op: opClose, length: int64(len(p))}, p, nil)
}

// frameBuffers pools the buffers a frame is assembled in for one write.
var frameBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// writeFrame sends one frame, unmasked (RFC 6455 §5.1), whole: frames
// of concurrent writers never interleave. held is c.wmu when the caller
// holds it already. A frame that fits a pooled buffer goes out in one
// write; the connection holds no write buffer between frames.
func (c *EventConn) writeFrame(ctx context.Context, h header, payload []byte, held *sync.Mutex) error {
	if held == nil {
		c.wmu.Lock()
		defer c.wmu.Unlock()
	}
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { c.CloseNow() })
		defer stop()
	}
	var err error
	if len(payload) <= 4096-maxHeaderSize {
		bp := frameBuffers.Get().(*[]byte)
		b := append(appendHeader((*bp)[:0], h), payload...)
		_, err = c.nc.Write(b)
		*bp = b[:0]
		frameBuffers.Put(bp)
	} else {
		var hb [maxHeaderSize]byte
		bufs := net.Buffers{appendHeader(hb[:0], h), payload}
		_, err = bufs.WriteTo(c.nc)
	}
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		c.CloseNow()
	}
	return err
}

// eventInput is the EventConn as the server's httpserver.EventHandler:
// its methods are not part of EventConn's API.
type eventInput EventConn

// OnData implements httpserver.EventHandler: it parses the frames in p
// (unmasking them in place), keeping a partial header, control frame or
// message for the next call.
func (in *eventInput) OnData(p []byte) {
	c := (*EventConn)(in)
	if c.ka != nil {
		c.ka.lastRead.Store(time.Now().UnixNano())
	}
	for len(p) > 0 {
		if c.stopped {
			c.discard(len(p))
			return
		}
		if !c.inFrame {
			n, ok := c.readHeader(p)
			p = p[n:]
			if ok && c.remaining == 0 {
				c.endFrame(nil)
			}
			continue
		}
		n := int(min(int64(len(p)), c.remaining))
		chunk := p[:n]
		p = p[n:]
		c.maskPos = uint8(mask(c.frame.key, int(c.maskPos), chunk))
		c.remaining -= int64(n)
		if c.frame.op.isControl() {
			if c.remaining > 0 || c.part != nil && len(c.part.ctl) > 0 {
				pt := c.takePart()
				pt.ctl = append(pt.ctl, chunk...)
				chunk = pt.ctl
			}
			if c.remaining == 0 {
				c.endFrame(chunk)
			}
			continue
		}
		c.payload(chunk, c.remaining == 0 && int64(n) == c.frame.length)
		if c.remaining == 0 && !c.stopped {
			c.endFrame(nil)
		}
	}
}

// readHeader reads a frame header from the start of p, completing one
// kept from earlier input, and starts its frame. It returns how many
// bytes of p it used and whether a frame started.
func (c *EventConn) readHeader(p []byte) (int, bool) {
	var h header
	var size, used int
	var err error
	if c.hdrN == 0 {
		h, size, _, err = parseHeader(p)
		used = size
		if err == nil && size == 0 {
			c.hdrN = uint8(copy(c.hdr[:], p)) // less than a header: it fits
			return len(p), false
		}
	} else {
		k := copy(c.hdr[c.hdrN:], p)
		h, size, _, err = parseHeader(c.hdr[:int(c.hdrN)+k])
		if err == nil && size == 0 {
			c.hdrN += uint8(k)
			return k, false
		}
		used = size - int(c.hdrN)
		c.hdrN = 0
	}
	if err == nil {
		err = checkFrame(h, c.inMessage, c.deflate != nil)
	}
	if err == nil {
		err = c.startFrame(h)
	}
	if err != nil {
		c.fail(err)
		return len(p), false
	}
	return used, true
}

// startFrame begins receiving frame h, and with a data frame's first,
// a message. An uncompressed message is refused as soon as its frames
// announce more than the read limit, before its payload is received; a
// compressed one when its compressed bytes alone pass the limit by more
// than deflate's worst-case expansion.
func (c *EventConn) startFrame(h header) error {
	c.inFrame, c.remaining, c.maskPos = true, h.length, 0
	c.frame = frameHead{key: h.key, op: h.op, fin: h.fin, length: h.length}
	if h.op.isControl() {
		return nil
	}
	pt := c.takePart()
	if !c.inMessage {
		c.inMessage, c.msgOp, c.compressed = true, h.op, h.rsv1
		pt.announced, pt.utf8 = 0, utf8Validator{}
	}
	pt.announced += h.length
	lim := c.readLimit.Load()
	if c.compressed && lim >= 0 {
		lim += lim/4096 + 64 // stored blocks: 5 bytes per 64 KiB, and the final bits
	}
	if lim >= 0 && pt.announced > lim {
		return &failure{code: StatusMessageTooBig, msg: fmt.Sprintf("message exceeds the read limit of %d bytes", c.readLimit.Load())}
	}
	return nil
}

// payload takes a chunk of a data frame's unmasked payload: text is
// checked as it arrives (RFC 6455 §8.1: fail at once on invalid UTF-8),
// and the message kept until its end. whole says the chunk is all of its
// frame; a message of one such frame is delivered from the input itself.
func (c *EventConn) payload(chunk []byte, whole bool) {
	pt := c.part
	if !c.compressed && c.msgOp == opText && !pt.utf8.write(chunk) {
		c.fail(&failure{code: StatusInvalidFramePayloadData, msg: "text message is not valid UTF-8"})
		return
	}
	if whole && c.frame.fin && len(pt.buf) == 0 {
		pt.whole = chunk
		return
	}
	// The frame announced its length (within the read limit, checked by
	// startFrame): make room for all of it at once, not by append's
	// doubling, which copied a 64 KiB message several times over and
	// left a buffer too large to pool.
	pt.buf = slices.Grow(pt.buf, len(chunk)+int(c.remaining))
	pt.buf = append(pt.buf, chunk...)
}

// endFrame ends the frame whose payload was received: a control frame
// is acted on (its payload is ctl), the last frame of a message delivers
// it.
func (c *EventConn) endFrame(ctl []byte) {
	c.inFrame = false
	if c.frame.op.isControl() {
		c.control(c.frame.op, ctl)
		if !c.inMessage {
			c.releasePart()
		} else if c.part != nil {
			c.part.ctl = c.part.ctl[:0]
		}
		return
	}
	if !c.frame.fin {
		return
	}
	pt := c.part
	msg := pt.whole
	if msg == nil {
		msg = pt.buf
	}
	c.inMessage = false
	defer c.releasePart() // released when the message is delivered
	typ, compressed := MessageType(c.msgOp), c.compressed
	if compressed {
		out, err := c.inflate(msg)
		if err != nil {
			c.fail(err)
			return
		}
		defer releaseInflated(out)
		msg = *out
	}
	if typ == MessageText && (compressed && !validUTF8(msg) || !compressed && !pt.utf8.complete()) {
		c.fail(&failure{code: StatusInvalidFramePayloadData, msg: "text message is not valid UTF-8"})
		return
	}
	if msg == nil {
		msg = []byte{}
	}
	c.deliver(typ, msg)
}

// deliver calls OnMessage. A panic in it fails the connection with
// StatusInternalError (1011, RFC 6455 §7.4.1), then goes on to the
// server, which logs it and closes the connection, as for a panic in an
// HTTP handler; OnClose then reports the 1011 failure.
func (c *EventConn) deliver(typ MessageType, msg []byte) {
	defer func() {
		if v := recover(); v != nil {
			c.fail(&failure{code: StatusInternalError, msg: "internal error"})
			panic(v)
		}
	}()
	c.h.OnMessage(c, typ, msg)
}

// control acts on a control frame (RFC 6455 §5.5).
func (c *EventConn) control(op opcode, p []byte) {
	switch op {
	case opPing:
		// RFC 6455 §5.5.2: answer with a pong carrying the same data,
		// unless a close frame has been sent (§5.5.1: nothing follows it).
		// A peer that reads nothing cannot hold the reader longer than
		// the CloseTimeout: the connection is closed then.
		if !c.closeSent.Load() {
			ctx, cancel := context.WithTimeout(context.Background(), c.closeTimeout)
			c.writeFrame(ctx, header{fin: true, op: opPong, length: int64(len(p))}, p, nil)
			cancel()
		}
	case opClose:
		ce, err := parseClosePayload(p)
		if err != nil {
			c.fail(err)
			return
		}
		c.extra().readErr = fmt.Errorf("%w", ce)
		c.stop()
		if c.closeSent.CompareAndSwap(false, true) {
			// RFC 6455 §5.5.1: answer with a close frame, typically
			// echoing the status code; §7.1.1: the server closes the
			// TCP connection first.
			ctx, cancel := context.WithTimeout(context.Background(), c.closeTimeout)
			c.writeClose(ctx, ce.Code, "")
			cancel()
		}
		c.CloseNow()
	}
	// RFC 6455 §5.5.3: a pong needs no answer; with no Ping on EventConn
	// none is awaited.
}

// stop ends reading: what arrives from now on is ignored, and a message
// in progress is dropped.
func (c *EventConn) stop() {
	c.stopped, c.inFrame, c.inMessage = true, false, false
	c.releasePart()
}

// fail fails the connection for err (RFC 6455 §7.1.7): for a violation
// by the peer it sends a close frame with the violation's code and shuts
// down the sending side, leaving the peer the chance to read it before
// the socket closes (closing with unread input would reset the
// connection and lose it); input is ignored from then on, and the
// connection closes when the peer closes, or after a second (or the
// CloseTimeout if shorter), or after 1 MiB more.
func (c *EventConn) fail(err error) {
	c.stop()
	if x := c.extra(); x.readErr == nil {
		x.readErr = err
	}
	var f *failure
	if !errors.As(err, &f) || !c.closeSent.CompareAndSwap(false, true) {
		c.CloseNow()
		return
	}
	reason := f.msg
	if len(reason) > maxControlPayload-2 || !validUTF8([]byte(reason)) {
		reason = ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.closeTimeout)
	defer cancel()
	if c.writeClose(ctx, f.code, reason) != nil {
		return // closed by writeFrame
	}
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	c.armCloseTimer(min(c.closeTimeout, time.Second))
}

// discard ignores n bytes received after the connection stopped reading,
// closing it past 1 MiB.
func (c *EventConn) discard(n int) {
	x := c.extra()
	x.discarded += n
	if x.discarded > 1<<20 {
		c.CloseNow()
	}
}

// OnClose implements httpserver.EventHandler.
func (in *eventInput) OnClose(err error) {
	c := (*EventConn)(in)
	if c.ka != nil {
		c.ka.stop()
	}
	if t := c.closeTimer.Load(); t != nil {
		t.Stop()
	}
	c.stop()
	if c.more != nil && c.more.readErr != nil {
		err = c.more.readErr
	} else if err == nil || errors.Is(err, net.ErrClosed) {
		err = ErrClosed
	}
	if c.h.OnClose != nil {
		c.h.OnClose(c, err)
	}
}

// OnShutdown implements httpserver.ShutdownNotifier: the server is
// shutting down gracefully, so the connection is closed with
// StatusGoingAway (1001); the server waits for the close handshake.
func (in *eventInput) OnShutdown() {
	(*EventConn)(in).Close(StatusGoingAway, "server shutting down")
}

// wholeInflater inflates whole messages (the event API): a decompressor
// and the reader of its input, taken from a pool only while a message is
// inflated.
type wholeInflater struct {
	fr io.ReadCloser
	mr multiSlice
}

// multiSlice reads a, then b.
type multiSlice struct{ a, b []byte }

// Read implements io.Reader.
func (m *multiSlice) Read(p []byte) (int, error) {
	if len(m.a) > 0 {
		n := copy(p, m.a)
		m.a = m.a[n:]
		return n, nil
	}
	if len(m.b) > 0 {
		n := copy(p, m.b)
		m.b = m.b[n:]
		return n, nil
	}
	return 0, io.EOF
}

var wholeInflaters sync.Pool

// inflate decompresses a whole message (RFC 7692 §7.2.2: the payload
// with the sync-flush tail put back) into a pooled buffer, bounded by
// the read limit (1009 past it; 1007 for corrupt data, as the blocking
// reader answers).
func (c *EventConn) inflate(payload []byte) (*[]byte, error) {
	in, _ := wholeInflaters.Get().(*wholeInflater)
	if in == nil {
		in = &wholeInflater{}
	}
	defer func() {
		in.mr = multiSlice{}
		wholeInflaters.Put(in)
	}()
	in.mr = multiSlice{payload, deflateTail}
	var dict []byte
	if !c.deflate.clientNoContextTakeover && c.more != nil {
		dict = c.more.inflDict
	}
	if in.fr == nil {
		in.fr = flate.NewReaderDict(&in.mr, dict)
	} else {
		in.fr.(interface {
			Reset(io.Reader, []byte) error
		}).Reset(&in.mr, dict)
	}
	lim := c.readLimit.Load()
	bp := assembly.Get().(*[]byte)
	out := (*bp)[:0]
	for range maxReadCalls {
		if len(out) == cap(out) {
			out = append(out, 0)[:len(out)]
		}
		n, err := in.fr.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if lim >= 0 && int64(len(out)) > lim {
			*bp = out[:0]
			releaseInflated(bp)
			return nil, &failure{code: StatusMessageTooBig, msg: fmt.Sprintf("message exceeds the read limit of %d bytes", lim)}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			*bp = out[:0]
			releaseInflated(bp)
			return nil, &failure{code: StatusInvalidFramePayloadData, msg: "invalid compressed data: " + err.Error()}
		}
	}
	if !c.deflate.clientNoContextTakeover {
		x := c.extra()
		x.inflDict = slideWindow(x.inflDict, out)
	}
	*bp = out
	return bp, nil
}

// releaseInflated returns an inflated message's buffer to the pool.
func releaseInflated(bp *[]byte) {
	if cap(*bp) <= maxPooledAssembly {
		*bp = (*bp)[:0]
		assembly.Put(bp)
	}
}

// eventKeepAlive pings an EventConn every PingInterval and closes it
// when a ping has had nothing at all received after it for PongTimeout
// (so a peer silent for PingInterval+PongTimeout at most is dropped, and
// a timer fired late drops no one that was not pinged): a timer, no
// goroutine between ticks.
type eventKeepAlive struct {
	c                 *EventConn
	interval, timeout time.Duration
	lastRead          atomic.Int64 // unix ns of the last bytes received
	pingAt            int64        // unix ns of the unanswered ping; 0: none (the timer's own)
	timer             *time.Timer
	stopped           atomic.Bool
}

// startKeepAlive arms the keep-alive timer.
func (c *EventConn) startKeepAlive(interval, timeout time.Duration) {
	ka := &eventKeepAlive{c: c, interval: interval, timeout: timeout}
	ka.lastRead.Store(time.Now().UnixNano())
	c.ka = ka
	ka.timer = time.AfterFunc(interval, ka.tick)
}

// tick closes a connection whose ping went unanswered for the timeout,
// or pings it, and waits for the next tick.
func (ka *eventKeepAlive) tick() {
	c := ka.c
	if ka.stopped.Load() || c.closeSent.Load() {
		return
	}
	now := time.Now().UnixNano()
	if ka.pingAt != 0 && ka.lastRead.Load() >= ka.pingAt {
		ka.pingAt = 0 // answered: anything received counts
	}
	if ka.pingAt != 0 && now-ka.pingAt >= int64(ka.timeout) {
		c.CloseNow()
		return
	}
	if ka.pingAt == 0 {
		ctx, cancel := context.WithTimeout(context.Background(), ka.timeout)
		err := c.writeFrame(ctx, header{fin: true, op: opPing}, nil, nil)
		cancel()
		if err != nil {
			return // the connection is closed
		}
		ka.pingAt = now
	}
	if !ka.stopped.Load() {
		ka.timer.Reset(min(ka.interval, ka.timeout))
	}
}

// stop ends the keep-alive when the connection ends.
func (ka *eventKeepAlive) stop() {
	ka.stopped.Store(true)
	ka.timer.Stop()
}
