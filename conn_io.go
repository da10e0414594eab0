package httpserver

import (
	"bytes"
	"errors"
	"sync"
	"time"
)

var (
	errBufferFull  = errors.New("httpserver: read buffer full")
	errLineTooLong = errors.New("httpserver: line too long")
)

// fill reads more bytes from the socket into the read buffer, making room
// by compacting or growing it (up to the header limit). Pending response
// bytes are sent first: the connection is about to wait for the client,
// which may be waiting for them.
func (c *conn) fill() error {
	if err := c.flush(); err != nil {
		return err
	}
	if c.rpos == c.rend {
		c.rpos, c.rend = 0, 0
	}
	if c.rend == len(c.rbuf) {
		if c.rpos > 0 {
			c.rend = copy(c.rbuf, c.rbuf[c.rpos:c.rend])
			c.rpos = 0
		} else {
			limit := c.srv.cfg.limits.MaxHeaderBytes + readBufferSize
			if len(c.rbuf) >= limit {
				return errBufferFull
			}
			nb := make([]byte, min(2*len(c.rbuf), limit))
			c.rend = copy(nb, c.rbuf[c.rpos:c.rend])
			c.rbuf = nb
		}
	}
	c.armReadDeadline()
	for {
		n, err := c.nc.Read(c.rbuf[c.rend:])
		c.rend += n
		if n > 0 {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// readDirect reads from the socket straight into p; the read buffer must
// be empty.
func (c *conn) readDirect(p []byte) (int, error) {
	if err := c.flush(); err != nil {
		return 0, err
	}
	c.armReadDeadline()
	return c.nc.Read(p)
}

// readLine returns the next CRLF-terminated line without its CRLF. The
// line aliases the read buffer and is valid until the next read.
func (c *conn) readLine(max int) ([]byte, error) {
	for {
		buf := c.rbuf[c.rpos:c.rend]
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			if i > max+1 {
				return nil, errLineTooLong
			}
			// RFC 9112 §2.2: lines end in CRLF; a bare LF is refused.
			if i == 0 || buf[i-1] != '\r' {
				return nil, errBareLF
			}
			c.rpos += i + 1
			return buf[:i-1], nil
		}
		if len(buf) > max+1 {
			return nil, errLineTooLong
		}
		if err := c.fill(); err != nil {
			if errors.Is(err, errBufferFull) {
				return nil, errLineTooLong
			}
			return nil, err
		}
	}
}

// keepBytes copies b into storage that lives until the handler returns.
func (c *conn) keepBytes(b []byte) []byte {
	c.kept = append(c.kept, b...)
	return c.kept[len(c.kept)-len(b):]
}

// write queues response bytes, sending them when enough have gathered.
// Large writes go to the socket directly after what is queued.
func (c *conn) write(p []byte) {
	if c.werr != nil {
		return
	}
	if len(c.wbuf)+len(p) > cap(c.wbuf) && len(p) >= writeBufferSize {
		if c.flush() != nil {
			return
		}
		c.respOut = true
		if _, err := c.writeSocket(p); err != nil {
			c.werr = err
		}
		return
	}
	c.wbuf = append(c.wbuf, p...)
	if len(c.wbuf) >= maxPendingWrite {
		c.flush()
	}
}

// flush sends the queued response bytes.
func (c *conn) flush() error {
	if c.werr != nil || len(c.wbuf) == 0 {
		return c.werr
	}
	if c.ex != nil && c.ex.res.committed {
		c.respOut = true
	}
	c.respStart = 0
	_, err := c.writeSocket(c.wbuf)
	if cap(c.wbuf) > maxPendingWrite {
		c.wbuf = make([]byte, 0, writeBufferSize) // give back a grown buffer
	} else {
		c.wbuf = c.wbuf[:0]
	}
	if err != nil {
		c.werr = err
	}
	return err
}

// sendContinue sends "100 Continue" (RFC 9110 §15.2.1) if the response has
// not started.
func (c *conn) sendContinue() {
	if c.ex.res.committed || c.ex.res.continueSent {
		return
	}
	c.ex.res.continueSent = true
	c.wbuf = append(c.wbuf, "HTTP/1.1 100 Continue\r\n\r\n"...)
	c.flush()
}

// reject answers a request that could not be parsed or accepted, then
// closes the connection: after a framing error nothing that follows on the
// stream can be trusted.
func (c *conn) reject(err error) {
	c.mustClose(closeRejected)
	var pe *ProtocolError
	if !errors.As(err, &pe) {
		return // the client went away or the socket failed
	}
	c.srv.cfg.logger.Debug("httpserver: rejected request", "remote", c.remoteAddr, "status", pe.Status, "err", pe)
	if len(c.wbuf) > 0 {
		c.writeError(pe.Status, "")
		c.reportRejected(pe.Status, pe, true)
		c.flush()
	} else {
		// Nothing queued: the answer goes out from a shared buffer, not
		// from the connection's write buffer, whose page a connection
		// that never had a response has not touched. Thousands of
		// trickling connections timing out together would each map one
		// (4 KiB, TestMassTimeoutMemory in internal/harden), as the epoll
		// engine's loop avoids by writing its 408s from one buffer.
		b := rejectBuffers.Get().(*[]byte)
		own := c.wbuf
		c.wbuf = (*b)[:0]
		c.writeError(pe.Status, "")
		c.reportRejected(pe.Status, pe, true)
		c.flush()
		*b, c.wbuf = c.wbuf[:0], own
		rejectBuffers.Put(b)
	}
	c.lingeringClose()
}

// rejectBuffers hold error responses on their way out (see reject).
var rejectBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, 512)
	return &b
}}

// writeError queues a complete error response with a short plain-text body
// and "Connection: close".
func (c *conn) writeError(status int, extraHeader string) {
	c.restartWriteClock(status)
	// RFC 9110 §9.3.2: no content in a response to HEAD.
	c.wbuf = c.appendError(c.wbuf, status, extraHeader, c.ex.req.Method != "HEAD")
	c.mustClose(closeErrorSent)
}

// appendError appends an error response with a short plain-text body
// (unless withBody is false) and "Connection: close" to b.
func (c *conn) appendError(b []byte, status int, extraHeader string, withBody bool) []byte {
	text := StatusText(status)
	b = appendStatusLine(b, status)
	b = append(b, "Content-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n"...)
	b = append(b, extraHeader...)
	b = appendDate(b, time.Now())
	if c.srv.cfg.name != "" {
		b = append(b, "Server: "...)
		b = append(b, c.srv.cfg.name...)
		b = append(b, "\r\n"...)
	}
	b = append(b, "Content-Length: "...)
	b = appendInt(b, int64(len(text)+1))
	b = append(b, "\r\n\r\n"...)
	if withBody {
		b = append(b, text...)
		b = append(b, '\n')
	}
	return b
}
