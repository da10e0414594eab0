package websocket

import (
	"bytes"
	"compress/flate"
	"io"
	"net"
	"time"
)

// pipeConn is a net.Conn reading from r and discarding writes, for the
// fuzz targets.
type pipeConn struct {
	r io.Reader
}

func (p *pipeConn) Read(b []byte) (int, error)         { return p.r.Read(b) }
func (p *pipeConn) Write(b []byte) (int, error)        { return len(b), nil }
func (p *pipeConn) Close() error                       { return nil }
func (p *pipeConn) LocalAddr() net.Addr                { return &net.TCPAddr{} }
func (p *pipeConn) RemoteAddr() net.Addr               { return &net.TCPAddr{} }
func (p *pipeConn) SetDeadline(time.Time) error        { return nil }
func (p *pipeConn) SetReadDeadline(time.Time) error    { return nil }
func (p *pipeConn) SetWriteDeadline(t time.Time) error { return nil }

func flateWriterForTest(buf *bytes.Buffer) (*flate.Writer, error) {
	return flate.NewWriter(buf, flate.BestSpeed)
}
