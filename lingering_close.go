package httpserver

import (
	"errors"
	"os"
	"time"
)

// Closing in stages (RFC 9112 §9.6): a server that closes a connection
// the client may still be sending on must not close both directions at
// once. Bytes arriving at a closed socket make the kernel answer with a
// reset, and a reset makes the client's kernel drop whatever of the
// response the client has not read yet: with a small receive window, most
// of it. So the server half-closes (its response, then FIN), reads and
// discards what the client still sends until the client closes or a bound
// passes, and only then closes. While the response is still in the
// socket's send queue (a client reading slowly through a small window),
// the bound is extended, up to lingerMaxWaits times: closing then, with a
// request of the client's arriving after, would make the kernel reset the
// connection and drop the response's unsent rest.

const (
	// lingerTimeout bounds how long a closing connection reads on once
	// its response has been acknowledged, and each extension while not.
	lingerTimeout = 500 * time.Millisecond
	// lingerMaxWaits bounds the extensions: at most 5 s in all.
	lingerMaxWaits = 9
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
			if c.lingerLonger(err) {
				c.nc.SetReadDeadline(time.Now().Add(lingerTimeout))
				continue
			}
			return
		}
	}
}

// lingerLonger reports whether a lingering connection whose read ended
// with err should read on for another lingerTimeout: the wait timed out,
// the response is not all acknowledged yet, and the extensions are not
// used up.
func (c *conn) lingerLonger(err error) bool {
	if !errors.Is(err, os.ErrDeadlineExceeded) || c.lingerWaits >= lingerMaxWaits || !hasUnsentOutput(c.nc) {
		return false
	}
	c.lingerWaits++
	return true
}
