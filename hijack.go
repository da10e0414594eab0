package httpserver

import (
	"bufio"
	"io"
	"net"
	"time"
)

// Hijack is reached through ResponseController: it hands the connection to
// the handler. A header already decided (typically 101 Switching
// Protocols) and any queued bytes are sent first; bytes the client sent
// after the request are available from the returned reader.
func (w *response) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.checkLive()
	c := w.c
	if c.state.Load() == stateHijacked {
		return nil, nil, ErrHijacked
	}
	if w.wroteHeader && !w.committed {
		w.commit(false)
	}
	if err := c.flush(); err != nil {
		return nil, nil, err
	}
	c.stopWatch()
	if !c.state.CompareAndSwap(stateActive, stateHijacked) {
		return nil, nil, ErrServerClosed
	}
	c.nc.SetDeadline(time.Time{})
	var rd io.Reader = c.nc
	if c.rpos < c.rend {
		pending := append([]byte(nil), c.rbuf[c.rpos:c.rend]...)
		c.rpos = c.rend
		br := bytesReader(pending)
		rd = io.MultiReader(&br, c.nc)
	}
	rw := bufio.NewReadWriter(bufio.NewReader(rd), bufio.NewWriter(c.nc))
	return c.nc, rw, nil
}

// bytesReader reads a byte slice once.
type bytesReader []byte

func (b *bytesReader) Read(p []byte) (int, error) {
	if len(*b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, *b)
	*b = (*b)[n:]
	return n, nil
}
