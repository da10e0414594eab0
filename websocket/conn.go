package websocket

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// MessageType is the type of a data message (RFC 6455 §5.6).
type MessageType int

const (
	// MessageText is UTF-8 text; received text is validated.
	MessageText MessageType = MessageType(opText)
	// MessageBinary is arbitrary bytes.
	MessageBinary MessageType = MessageType(opBinary)
)

// String returns "text", "binary" or the number.
func (t MessageType) String() string {
	switch t {
	case MessageText:
		return "text"
	case MessageBinary:
		return "binary"
	}
	return "MessageType(" + strconv.Itoa(int(t)) + ")"
}

// Errors returned by Conn.
var (
	// ErrClosed is returned by operations on a connection that is closed
	// or whose close handshake has started.
	ErrClosed = errors.New("websocket: connection closed")
	// ErrInvalidClose is returned by Close for a code or reason that may
	// not be sent.
	ErrInvalidClose = errors.New("websocket: invalid close")
	// ErrMessageType is returned by Write for a type other than
	// MessageText and MessageBinary.
	ErrMessageType = errors.New("websocket: invalid message type")
	// ErrInvalidUTF8 is returned by Write for text that is not UTF-8.
	ErrInvalidUTF8 = errors.New("websocket: text message is not valid UTF-8")
)

// Conn is a WebSocket connection accepted by [Accept].
//
// At most one goroutine may read (Read, or Reader and the reader it
// returns) and one may write (Write, or Writer and its writer) at a time;
// Ping, Close and CloseNow may be called from any goroutine. Read must be
// running for pings, pongs and the peer's close frame to be seen.
//
// The context given to Read, Reader, Write, Writer and Ping bounds the
// operation: if it ends before the operation does, the connection is
// closed (a half-read or half-written frame cannot be resumed).
type Conn struct {
	nc          net.Conn
	br          *bufio.Reader
	cfg         settings
	subprotocol string
	deflate     *deflateParams // nil when not negotiated

	readMu       lock // one reader
	writeMsgMu   lock // one message writer
	writeFrameMu lock // one frame on the wire at a time

	// Reader state, owned by whoever holds readMu.
	rd       messageReader
	readErr  error // sticky: once reading failed it keeps failing
	inflDict []byte

	// Writer state.
	wbuf []byte
	mw   messageWriter
	fw   *flateState // kept between messages with context takeover

	closeSent     atomic.Bool   // a close frame was sent (or is being sent)
	closeReceived chan struct{} // closed when the peer's close frame arrived
	peerClose     CloseError    // set before closeReceived is closed
	closed        chan struct{} // closed when the TCP connection is closed
	closeOnce     sync.Once

	lastRead  atomic.Int64 // unix nanoseconds of the last bytes read
	readLimit atomic.Int64 // -1: none

	pingMu  sync.Mutex
	pingSeq uint64
	pings   map[string]chan struct{}

	// Context watches of reads and writes (watch.go).
	rw, ww     ctxWatch
	watchMu    sync.Mutex
	watchEnded bool // CloseNow dropped the watches; guarded by watchMu
}

// newConn wraps a hijacked connection.
func newConn(nc net.Conn, br *bufio.Reader, cfg settings, subprotocol string, dp *deflateParams) *Conn {
	c := &Conn{
		nc:            nc,
		br:            br,
		cfg:           cfg,
		subprotocol:   subprotocol,
		deflate:       dp,
		readMu:        newLock(),
		writeMsgMu:    newLock(),
		writeFrameMu:  newLock(),
		closeReceived: make(chan struct{}),
		closed:        make(chan struct{}),
	}
	c.lastRead.Store(time.Now().UnixNano())
	c.readLimit.Store(cfg.readLimit)
	c.rd.c = c
	c.mw.c = c
	if cfg.pingInterval > 0 {
		go c.keepAlive()
	}
	return c
}

// SetReadLimit changes the largest message the connection accepts (see
// [AcceptOptions.ReadLimit]); a negative n means no limit. It applies from
// the next frame read.
func (c *Conn) SetReadLimit(n int64) {
	c.readLimit.Store(max(n, -1))
}

// CloseRead starts a goroutine that reads and discards data messages, so
// that a connection that only writes still answers pings and sees the
// peer's close. The returned context is cancelled when that reader stops
// (the peer closed, the connection failed or was closed). No other reads
// may be made afterwards.
func (c *Conn) CloseRead(ctx context.Context) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		defer cancel()
		for {
			if _, _, err := c.Reader(ctx); err != nil {
				return
			}
		}
	}()
	return ctx
}

// Subprotocol returns the subprotocol chosen in the handshake, or "".
func (c *Conn) Subprotocol() string { return c.subprotocol }

// Compressed reports whether permessage-deflate was negotiated.
func (c *Conn) Compressed() bool { return c.deflate != nil }

// LocalAddr returns the server's address of the connection.
func (c *Conn) LocalAddr() net.Addr { return c.nc.LocalAddr() }

// RemoteAddr returns the client's address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// CloseNow closes the TCP connection at once, without a close handshake.
// Blocked reads and writes return errors. It is safe to call more than
// once and from any goroutine.
func (c *Conn) CloseNow() error {
	err := ErrClosed
	c.closeOnce.Do(func() {
		err = c.nc.Close()
		close(c.closed)
		c.cfg.group.remove(c)
		c.endWatches()
	})
	return err
}

// watch closes the connection if ctx ends before the returned stop is
// called. A context that can never end costs nothing.
func (c *Conn) watch(ctx context.Context) (stop func() bool) {
	if ctx.Done() == nil {
		return func() bool { return true }
	}
	return context.AfterFunc(ctx, func() { c.CloseNow() })
}

// Ping sends a ping and waits for its pong. A reader must be running for
// the pong to be seen.
func (c *Conn) Ping(ctx context.Context) error {
	c.pingMu.Lock()
	c.pingSeq++
	payload := strconv.FormatUint(c.pingSeq, 10)
	done := make(chan struct{})
	if c.pings == nil {
		c.pings = make(map[string]chan struct{})
	}
	c.pings[payload] = done
	c.pingMu.Unlock()
	defer func() {
		c.pingMu.Lock()
		delete(c.pings, payload)
		c.pingMu.Unlock()
	}()
	if err := c.writeControl(ctx, opPing, []byte(payload)); err != nil {
		return err
	}
	select {
	case <-done:
		return nil
	case <-c.closed:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// gotPong wakes the Ping waiting for payload, if any (RFC 6455 §5.5.3: an
// unsolicited pong is ignored).
func (c *Conn) gotPong(payload []byte) {
	c.pingMu.Lock()
	if done, ok := c.pings[string(payload)]; ok {
		close(done)
		delete(c.pings, string(payload))
	}
	c.pingMu.Unlock()
}

// keepAlive pings every PingInterval and closes the connection when the
// peer has been silent for PingInterval+PongTimeout.
func (c *Conn) keepAlive() {
	t := time.NewTicker(c.cfg.pingInterval)
	defer t.Stop()
	for {
		select {
		case <-c.closed:
			return
		case now := <-t.C:
			silent := now.Sub(time.Unix(0, c.lastRead.Load()))
			if silent > c.cfg.pingInterval+c.cfg.pongTimeout {
				c.CloseNow()
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), c.cfg.pongTimeout)
			err := c.writeControl(ctx, opPing, nil)
			cancel()
			if err != nil {
				return
			}
		}
	}
}

// lock is a mutex whose Lock can be abandoned when a context ends or the
// connection closes.
type lock chan struct{}

func newLock() lock { return make(lock, 1) }

func (l lock) lock(ctx context.Context, closed <-chan struct{}) error {
	select {
	case l <- struct{}{}:
		return nil
	default:
	}
	select {
	case l <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-closed:
		return ErrClosed
	}
}

func (l lock) tryLock() bool {
	select {
	case l <- struct{}{}:
		return true
	default:
		return false
	}
}

func (l lock) unlock() { <-l }

// Group tracks open connections so that a server's shutdown can close
// them all with a close handshake. The zero value is ready to use.
type Group struct {
	mu       sync.Mutex
	conns    map[*Conn]struct{}
	shutdown bool
	empty    chan struct{} // closed when conns becomes empty during Shutdown
}

// DefaultGroup holds the connections accepted without an
// [AcceptOptions.Group].
var DefaultGroup = &Group{}

// add registers c; it fails once Shutdown has started.
func (g *Group) add(c *Conn) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.shutdown {
		return false
	}
	if g.conns == nil {
		g.conns = make(map[*Conn]struct{})
	}
	g.conns[c] = struct{}{}
	return true
}

func (g *Group) remove(c *Conn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.conns, c)
	if len(g.conns) == 0 && g.empty != nil {
		close(g.empty)
		g.empty = nil
	}
}

// Len returns the number of open connections in g.
func (g *Group) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.conns)
}

// Shutdown refuses new connections into g (Accept closes them with 1001
// right after the handshake), sends a
// close frame with StatusGoingAway (1001) on every open connection and
// waits until each has completed the close handshake or ctx ends; then
// it closes the rest at once and returns ctx's error. Call it next to the
// server's Shutdown, with the same context: the server does not track
// hijacked connections.
func (g *Group) Shutdown(ctx context.Context) error {
	g.mu.Lock()
	g.shutdown = true
	conns := make([]*Conn, 0, len(g.conns))
	for c := range g.conns {
		conns = append(conns, c)
	}
	var empty chan struct{}
	if len(g.conns) > 0 {
		if g.empty == nil { // a second Shutdown waits on the same signal
			g.empty = make(chan struct{})
		}
		empty = g.empty
	}
	g.mu.Unlock()
	if empty == nil {
		return nil
	}
	for _, c := range conns {
		go c.closeHandshake(ctx, StatusGoingAway, "server shutting down")
	}
	select {
	case <-empty:
		return nil
	case <-ctx.Done():
		for _, c := range conns {
			c.CloseNow()
		}
		return ctx.Err()
	}
}

// goingAway closes the connection with StatusGoingAway (1001), waiting
// up to the CloseTimeout for the close handshake: the server's graceful
// Shutdown calls it (see Accept).
func (c *Conn) goingAway() {
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.closeTimeout)
	defer cancel()
	c.closeHandshake(ctx, StatusGoingAway, "server shutting down")
}

// readFull reads exactly len(p) bytes of the connection.
func (c *Conn) readFull(p []byte) error {
	_, err := io.ReadFull(c.br, p)
	if err == nil {
		c.lastRead.Store(time.Now().UnixNano())
	}
	return err
}
