package httpserver

import "time"

// Closing in stages (RFC 9112 §9.6): a server that closes a connection
// the client may still be sending on must not close both directions at
// once. Bytes arriving at a closed socket make the kernel answer with a
// reset, and a reset makes the client's kernel drop whatever of the
// response the client has not read yet: with a small receive window, most
// of it. So the server half-closes (its response, then FIN), reads and
// discards what the client still sends until the client closes or a bound
// passes, and only then closes.

const (
	// lingerTimeout bounds how long a closing connection reads on.
	lingerTimeout = 500 * time.Millisecond
	// lingerMaxBytes bounds how much it reads on (per read burst on the
	// epoll engine).
	lingerMaxBytes = 256 << 10
)

type closeWriter interface{ CloseWrite() error }

// lingeringClose half-closes the connection and reads what the client is
// still sending for a short while before the caller closes it. A goroutine
// or pool connection discards into its own read buffer, holding nothing
// more while it waits; an evented one only records it, and its event loop
// does the reading, with no goroutine and no buffer held (see
// parkLingering).
func (c *conn) lingeringClose() {
	cw, ok := c.nc.(closeWriter)
	if !ok || cw.CloseWrite() != nil {
		return
	}
	if c.evented {
		c.lingering = true
		return
	}
	c.nc.SetReadDeadline(time.Now().Add(lingerTimeout))
	for left := lingerMaxBytes; left > 0; {
		n, err := c.nc.Read(c.rbuf[:min(len(c.rbuf), left)])
		left -= n
		if err != nil {
			return
		}
	}
}
