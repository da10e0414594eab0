package http2

import (
	"errors"
	"fmt"
	"os"
)

// ErrCode is an HTTP/2 error code (RFC 9113 §7), carried by RST_STREAM and
// GOAWAY frames.
type ErrCode uint32

// The error codes of RFC 9113 §7.
const (
	ErrCodeNo                 ErrCode = 0x0
	ErrCodeProtocol           ErrCode = 0x1
	ErrCodeInternal           ErrCode = 0x2
	ErrCodeFlowControl        ErrCode = 0x3
	ErrCodeSettingsTimeout    ErrCode = 0x4
	ErrCodeStreamClosed       ErrCode = 0x5
	ErrCodeFrameSize          ErrCode = 0x6
	ErrCodeRefusedStream      ErrCode = 0x7
	ErrCodeCancel             ErrCode = 0x8
	ErrCodeCompression        ErrCode = 0x9
	ErrCodeConnect            ErrCode = 0xa
	ErrCodeEnhanceYourCalm    ErrCode = 0xb
	ErrCodeInadequateSecurity ErrCode = 0xc
	ErrCodeHTTP11Required     ErrCode = 0xd
)

var errCodeNames = [...]string{
	"NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR",
	"SETTINGS_TIMEOUT", "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM",
	"CANCEL", "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM",
	"INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
}

// String returns the RFC name of the code, or its number for unknown codes.
func (c ErrCode) String() string {
	if int(c) < len(errCodeNames) {
		return errCodeNames[c]
	}
	return fmt.Sprintf("unknown error code 0x%x", uint32(c))
}

// ConnError is a connection error (RFC 9113 §5.4.1): the connection is
// ended with a GOAWAY frame carrying Code.
type ConnError struct {
	Code   ErrCode
	Reason string
}

func (e ConnError) Error() string {
	return "httpserver: http2 connection error: " + e.Code.String() + ": " + e.Reason
}

// StreamError is a stream error (RFC 9113 §5.4.2): one stream is ended with
// an RST_STREAM frame carrying Code; the connection lives on.
type StreamError struct {
	StreamID uint32
	Code     ErrCode
	Reason   string
}

func (e StreamError) Error() string {
	return fmt.Sprintf("httpserver: http2 stream %d error: %s: %s", e.StreamID, e.Code, e.Reason)
}

func connError(code ErrCode, reason string) error { return ConnError{Code: code, Reason: reason} }

func streamError(id uint32, code ErrCode, reason string) error {
	return StreamError{StreamID: id, Code: code, Reason: reason}
}

// Sentinel errors returned to handlers.
var (
	// ErrStreamReset is returned by Stream reads and writes after the peer
	// (or the server) reset the stream.
	ErrStreamReset = errors.New("httpserver: http2 stream reset")
	// ErrWriteStalled is returned by Stream reads and writes after the
	// server reset the stream because its handler waited more than
	// Config.WriteTimeout for the peer to open a flow-control window. It
	// wraps ErrStreamReset and os.ErrDeadlineExceeded: it is a timeout,
	// as a stalled write on a net.Conn is.
	ErrWriteStalled = fmt.Errorf("%w: no flow-control window for the response: %w", ErrStreamReset, os.ErrDeadlineExceeded)
	// ErrConnClosed is returned by Stream reads and writes after the
	// connection ended.
	ErrConnClosed = errors.New("httpserver: http2 connection closed")
	// ErrHeadersWritten is returned by WriteHeaders when called twice with a
	// final status, and by WriteTrailers after the stream ended.
	ErrHeadersWritten = errors.New("httpserver: http2 response headers already written")
	// ErrStreamEnded is returned by Write after the response ended.
	ErrStreamEnded = errors.New("httpserver: http2 response already ended")
	// ErrUsedAfterReturn is the panic value, in -race builds, when a
	// handler uses its Stream after returning.
	ErrUsedAfterReturn = errors.New("httpserver: http2 Stream used after its handler returned")
	// ErrBadPreface is returned by Serve when the client preface is wrong.
	ErrBadPreface = errors.New("httpserver: http2 bad client preface")
)
