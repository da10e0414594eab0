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
	nc, pending, err := w.takeOver()
	if err != nil {
		return nil, nil, err
	}
	var rd io.Reader = nc
	if pending != nil {
		br := bytesReader(pending)
		rd = io.MultiReader(&br, nc)
	}
	rw := bufio.NewReadWriter(bufio.NewReader(rd), bufio.NewWriter(nc))
	return nc, rw, nil
}

// takeOver is what Hijack and HijackEvents share: the header decided and
// the bytes queued are sent, the connection is marked hijacked, its
// deadlines cleared, and the bytes received after the request are
// returned (a copy; nil when none).
func (w *response) takeOver() (net.Conn, []byte, error) {
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
	var pending []byte
	if c.rpos < c.rend {
		pending = append([]byte(nil), c.rbuf[c.rpos:c.rend]...)
		c.rpos = c.rend
	}
	return c.nc, pending, nil
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
