package httpserver

import (
	"math"

	"github.com/rawsock/httpserver/internal/http2"
)

// Extended CONNECT (RFC 8441) over HTTP/2. internal/http2 announces
// SETTINGS_ENABLE_CONNECT_PROTOCOL (unless HTTP2Options.NoExtendedConnect)
// and validates the request's pseudo-header fields (headers.go: :protocol
// only once the setting was sent, only with CONNECT, and then with :scheme
// and :path as for any request). The adapter's part is here and small:
// the Request says Protocol and carries the :path as Target
// (h2_stream.go), its body is not bounded by Limits.MaxBodyBytes, and the
// handler ends the tunnel's two directions through ResponseController:
// CloseWrite (END_STREAM, the orderly close) and ResetStream (RST_STREAM
// CANCEL, the abort: RFC 8441 §5 maps a TCP FIN and RST of the tunnelled
// protocol onto these).

// bodyLimit is the request body limit of r: none for the tunnel of an
// extended CONNECT, whose body is a byte stream of unbounded length, like
// the input of a hijacked HTTP/1 connection.
func bodyLimit(r *Request, limit int64) int64 {
	if r.Protocol != "" {
		return math.MaxInt64
	}
	return limit
}

type writeCloser interface{ CloseWrite() error }
type streamResetter interface{ ResetStream() error }

// CloseWrite ends the response while the handler may go on reading the
// request body: over HTTP/2 the stream's sending side ends with
// END_STREAM (sending the head first if needed), which is how the
// tunnel of an extended CONNECT closes in an orderly way (RFC 8441 §5).
// Later writes fail. It fails with ErrNotSupported for HTTP/1 writers.
// It may be called from any goroutine while the handler runs.
func (c ResponseController) CloseWrite() error {
	if w, ok := find[writeCloser](c.rw); ok {
		return w.CloseWrite()
	}
	return ErrNotSupported
}

// ResetStream ends an HTTP/2 stream at once with RST_STREAM CANCEL:
// blocked reads of the request body and writes of the response fail, and
// the client learns that the exchange broke (RFC 8441 §5: the abort of a
// tunnel). It fails with ErrNotSupported for HTTP/1 writers, whose way to
// break an exchange is panicking with ErrAbortHandler. It may be called
// from any goroutine while the handler runs.
func (c ResponseController) ResetStream() error {
	if w, ok := find[streamResetter](c.rw); ok {
		return w.ResetStream()
	}
	return ErrNotSupported
}

// CloseWrite is reached through ResponseController. Only the stream is
// touched (its methods are safe for concurrent use) once the head was
// sent, so that another goroutine may be writing.
func (w *h2Response) CloseWrite() error {
	w.checkLive()
	if !w.committed {
		if err := w.Flush(); err != nil {
			return err
		}
	}
	return w.st.Close()
}

// ResetStream is reached through ResponseController.
func (w *h2Response) ResetStream() error {
	w.checkLive()
	w.st.Reset(http2.ErrCodeCancel)
	return nil
}
