package websocket

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/rawsock/httpserver"
)

// WebSocket over HTTP/2 (RFC 8441). The server announces
// SETTINGS_ENABLE_CONNECT_PROTOCOL (httpserver.HTTP2Options), a client
// opens a stream with an extended CONNECT whose :protocol is "websocket",
// the server answers 200, and the stream then carries the WebSocket
// frames "as if it were the TCP connection" (RFC 8441 §5): the same Conn
// runs over a streamConn (stream_conn.go) instead of a hijacked socket.

// acceptStream is Accept for an HTTP/2 request.
func acceptStream(w httpserver.ResponseWriter, r *httpserver.Request, cfg settings) (*Conn, error) {
	if err := checkStreamHandshake(w, r); err != nil {
		return nil, err
	}
	if !reaches[tunnelWriter](w) {
		// Checked before the 200 goes out: a writer that buffers the
		// response (a middleware without Unwrap) would hold the frames,
		// and the stream would end with the handler.
		httpserver.Error(w, httpserver.StatusInternalServerError)
		return nil, fmt.Errorf("websocket: the response writer cannot carry a tunnel: %w", httpserver.ErrNotSupported)
	}
	if !originAllowed(r, &cfg) {
		// RFC 8441 §5 keeps Origin (RFC 6455 §10.2) as it is.
		httpserver.Error(w, httpserver.StatusForbidden)
		return nil, fmt.Errorf("%w: %q", ErrOriginRefused, r.Header.Get("Origin"))
	}
	// RFC 8441 §5: Sec-WebSocket-Protocol and Sec-WebSocket-Extensions
	// are negotiated as over HTTP/1.1; Sec-WebSocket-Key and
	// Sec-WebSocket-Accept are not used (the :protocol field took their
	// role), so no Accept is computed and a Key sent anyway is ignored.
	h := w.Header()
	subprotocol := chooseSubprotocol(r, cfg.subprotocols)
	if subprotocol != "" {
		h.Set("Sec-WebSocket-Protocol", subprotocol)
	}
	var dp *deflateParams
	if p, ext, ok := negotiateDeflate(r.Header.Values("Sec-WebSocket-Extensions"), cfg.compression); ok {
		dp = &p
		h.Set("Sec-WebSocket-Extensions", ext)
	}
	// RFC 8441 §5: a 2xx answer (200, never 101, which HTTP/2 does not
	// have) opens the WebSocket; it goes out at once, as the client waits
	// for it before sending frames.
	w.WriteHeader(httpserver.StatusOK)
	rc := httpserver.NewResponseController(w)
	if err := rc.Flush(); err != nil {
		return nil, fmt.Errorf("websocket: sending the 200: %w", err)
	}
	sc := newStreamConn(w, r)
	return join(w, r, newConn(sc, bufio.NewReaderSize(sc, streamReadBuffer), cfg, subprotocol, dp))
}

// tunnelWriter is the HTTP/2 response writer's side of a tunnel, found
// through the Unwrap chain as ResponseController finds it.
type tunnelWriter interface {
	CloseWrite() error
	ResetStream() error
}

// streamReadBuffer is the size of the buffered reader over a stream's
// request body: the frames' headers and small payloads are read from it.
const streamReadBuffer = 4096

// checkStreamHandshake answers a request over HTTP/2 that is not a valid
// RFC 8441 opening handshake.
func checkStreamHandshake(w httpserver.ResponseWriter, r *httpserver.Request) error {
	// RFC 8441 §4, §5: over HTTP/2 the handshake is a CONNECT request;
	// the HTTP/1.1 GET with Upgrade cannot be sent (RFC 9113 §8.2.2
	// forbids the Upgrade field).
	if r.Method != "CONNECT" {
		w.Header().Set("Allow", "CONNECT")
		httpserver.Error(w, httpserver.StatusMethodNotAllowed)
		return fmt.Errorf("%w: method %q over %s", ErrBadHandshake, r.Method, r.Proto)
	}
	// RFC 8441 §5: the :protocol of the extended CONNECT is "websocket"
	// (compared as the HTTP/1.1 Upgrade token is, RFC 6455 §4.2.1 item
	// 3). A CONNECT without :protocol is a request for a TCP tunnel (RFC
	// 9113 §8.5), not a WebSocket.
	if !strings.EqualFold(r.Protocol, "websocket") {
		httpserver.Error(w, httpserver.StatusBadRequest)
		return fmt.Errorf("%w: CONNECT with :protocol %q", ErrBadHandshake, r.Protocol)
	}
	return checkVersion(w, r)
}
