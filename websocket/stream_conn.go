package websocket

import (
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rawsock/httpserver"
)

// streamConn is the net.Conn a Conn runs on over an HTTP/2 stream (RFC
// 8441): reads come from the request body, writes go to the response and
// are flushed one by one (a frame is never left in a buffer), deadlines
// and the two ways to close go through the ResponseController.
//
// RFC 8441 §5 maps the TCP connection's ends onto the stream's: an
// orderly close (FIN) is END_STREAM, an abort (RST) is RST_STREAM
// CANCEL. Close picks between them with orderly, which the Conn sets once
// its close frame went out whole: after the close handshake, or after
// failing the connection with a close code, the stream ends with
// END_STREAM; a connection closed without its close frame sent (CloseNow
// first, a write that failed or was abandoned halfway) is reset.
//
// The stream lives as long as the handler: a handler that accepted over
// HTTP/2 must not return before it is done with the Conn.
type streamConn struct {
	body    io.Reader
	w       httpserver.ResponseWriter
	rc      httpserver.ResponseController
	local   streamAddr
	remote  streamAddr
	orderly atomic.Bool
	once    sync.Once
}

func newStreamConn(w httpserver.ResponseWriter, r *httpserver.Request) *streamConn {
	// The addresses are copied: the Request's strings alias the server's
	// buffers, reused once the handler returns, and a net.Addr's String
	// is a value callers keep (a log line written later, another
	// goroutine's map key).
	return &streamConn{body: r.Body, w: w, rc: httpserver.NewResponseController(w),
		local: streamAddr(strings.Clone(r.Host)), remote: streamAddr(strings.Clone(r.RemoteAddr))}
}

// Read reads the request body: the client's frames.
func (s *streamConn) Read(p []byte) (int, error) { return s.body.Read(p) }

// Write writes p to the response and flushes it: the connection hands
// it to the stream, which sends it as the client's windows allow.
func (s *streamConn) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	if err == nil {
		err = s.rc.Flush()
	}
	return n, err
}

// markOrderly records that the close frame was sent whole.
func (s *streamConn) markOrderly() { s.orderly.Store(true) }

// CloseWrite ends the stream's sending side (END_STREAM).
func (s *streamConn) CloseWrite() error { return s.rc.CloseWrite() }

// Close ends the stream as orderly says and makes a blocked Read return.
func (s *streamConn) Close() error {
	err := ErrClosed
	s.once.Do(func() {
		if s.orderly.Load() {
			err = s.rc.CloseWrite()
			// The client's side may still be open; a reader waiting on
			// it returns now. When the handler returns, the server
			// resets a stream whose request is unfinished with
			// NO_ERROR (RFC 9113 §8.1).
			s.rc.SetReadDeadline(time.Now())
			return
		}
		err = s.rc.ResetStream()
	})
	return err
}

// LocalAddr returns the request's Host: the server's socket address is
// not exposed to handlers.
func (s *streamConn) LocalAddr() net.Addr { return s.local }

// RemoteAddr returns the client's address.
func (s *streamConn) RemoteAddr() net.Addr { return s.remote }

// SetDeadline sets both deadlines.
func (s *streamConn) SetDeadline(t time.Time) error {
	s.rc.SetReadDeadline(t)
	return s.rc.SetWriteDeadline(t)
}

// SetReadDeadline bounds reading the request body.
func (s *streamConn) SetReadDeadline(t time.Time) error { return s.rc.SetReadDeadline(t) }

// SetWriteDeadline bounds writing the response.
func (s *streamConn) SetWriteDeadline(t time.Time) error { return s.rc.SetWriteDeadline(t) }

// streamAddr is an address known only as text.
type streamAddr string

func (a streamAddr) Network() string { return "tcp" }
func (a streamAddr) String() string  { return string(a) }
