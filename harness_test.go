package httpserver

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"
)

// memConn is an in-memory net.Conn: reads come from a fixed input, writes
// collect in a buffer. It lets tests and fuzz targets drive the complete
// connection loop without sockets.
type memConn struct {
	in     *bytes.Reader
	mu     sync.Mutex
	out    bytes.Buffer
	closed bool
}

func newMemConn(input []byte) *memConn { return &memConn{in: bytes.NewReader(input)} }

func (m *memConn) Read(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, net.ErrClosed
	}
	return m.in.Read(p)
}

func (m *memConn) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, net.ErrClosed
	}
	return m.out.Write(p)
}

func (m *memConn) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return nil
}

func (m *memConn) output() []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return bytes.Clone(m.out.Bytes())
}

func (m *memConn) LocalAddr() net.Addr                { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80} }
func (m *memConn) RemoteAddr() net.Addr               { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4242} }
func (m *memConn) SetDeadline(t time.Time) error      { return nil }
func (m *memConn) SetReadDeadline(t time.Time) error  { return nil }
func (m *memConn) SetWriteDeadline(t time.Time) error { return nil }

// serveBytes runs the connection loop over input with handler h and
// returns everything the server wrote. The loop ends when the input is
// exhausted or the server closes the connection.
func serveBytes(h Handler, input []byte, configure ...func(*Server)) []byte {
	s := &Server{Handler: h, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, f := range configure {
		f(s)
	}
	s.init()
	mc := newMemConn(input)
	c := newConn(s, mc)
	s.trackConn(c, true)
	c.serve()
	return mc.output()
}

func newTestLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, nil))
}
