//go:build linux

package httpserver

import (
	"crypto/tls"
	"errors"
	"net"
	"os"
	"time"
)

// TLS on the epoll engine. A TLS connection is parked like a plain one:
// between requests it is a registration in an event loop, its conn,
// fdConn and tls.Conn (with the record buffers and keys crypto/tls keeps),
// without a goroutine or the connection's own buffers. What differs is
// who reads: the loop never decrypts, so input on a parked TLS connection
// goes straight to a worker (readClaimed, dispatchTLS), which runs the
// handshake the first time, then reads through the tls.Conn. It parks the
// connection again only when the tls.Conn has nothing left to give
// without waiting: no decrypted bytes, no complete record buffered, and
// nothing in the socket (readWithoutWaiting). A partial record stays in
// the tls.Conn; the rest arriving is a new edge for the loop.

// unwrapTLSListener returns the listener under ServeTLS's and its TLS
// configuration, or l and nil.
func unwrapTLSListener(l net.Listener) (net.Listener, *tls.Config) {
	if tl, ok := l.(*tlsListener); ok {
		return tl.Listener, tl.config
	}
	return l, nil
}

// dispatchTLS hands a TLS connection with input to a worker; with the
// pool and queue full it is closed: a plain 503 would be garbage to a
// TLS client.
func (l *eventLoop) dispatchTLS(c *conn) {
	if l.e.pool.submit(c) {
		return
	}
	l.e.s.rejected.Add(1)
	l.e.s.reportOverCapacity(c.remoteAddr)
	c.state.Store(stateClosed)
	c.closeParkedAndForget()
}

// serveTLSEvented runs on a worker when a parked TLS connection has input:
// the handshake on its first run (within Timeouts.ReadHeader of the
// connect), then every request the tls.Conn yields without waiting, then
// the connection parks again.
func (c *conn) serveTLSEvented() {
	if c.state.Load() == stateClosed {
		c.closeAndForget()
		return
	}
	c.borrowBuffers()
	if !c.tlsReady && !c.handshakeTLS() {
		c.closeAndForget()
		return
	}
	for {
		if c.rpos == c.rend {
			n, err := c.readWithoutWaiting()
			if n == 0 {
				if errors.Is(err, os.ErrDeadlineExceeded) {
					break // nothing more for now: park
				}
				c.closeAndForget()
				return
			}
		}
		if !c.serveNext() {
			c.closeAndForget()
			return
		}
	}
	if c.flush() != nil {
		c.closeAndForget()
		return
	}
	c.park()
}

// pastDeadline makes a read that would wait fail at once, after taking
// what the socket holds: fdConn.Read treats it apart from other deadlines
// in the past, which fail before reading, as net.Conn's do.
var pastDeadline = time.Unix(1, 0)

// readWithoutWaiting reads into the empty read buffer what the tls.Conn
// has or can decrypt from what the socket holds, without waiting; with
// nothing, it fails with os.ErrDeadlineExceeded. crypto/tls treats a
// timeout as temporary: a partial record stays buffered, and the
// connection stays usable.
func (c *conn) readWithoutWaiting() (int, error) {
	c.rpos, c.rend = 0, 0
	c.nc.SetReadDeadline(pastDeadline)
	n, err := c.nc.Read(c.rbuf)
	c.nc.SetReadDeadline(time.Time{})
	c.rend = n
	return n, err
}
