package httpserver

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors from the server wrap them; test with errors.Is.
var (
	// ErrServerClosed is returned by Serve and ListenAndServe after
	// Shutdown or Close.
	ErrServerClosed = errors.New("httpserver: server closed")
	// ErrBodyTooLarge is returned by Request.Body reads when the body
	// exceeds the configured limit; the server answers 413.
	ErrBodyTooLarge = errors.New("httpserver: request body too large")
	// ErrMalformedBody is returned by Request.Body reads when the chunked
	// framing is invalid; the server answers 400.
	ErrMalformedBody = errors.New("httpserver: malformed request body")
	// ErrBodyReadAfterClose is returned by reads of a body after the
	// handler closed it.
	ErrBodyReadAfterClose = errors.New("httpserver: read on closed body")
	// ErrContentLength is returned by writes beyond the declared
	// Content-Length.
	ErrContentLength = errors.New("httpserver: wrote more than the declared Content-Length")
	// ErrBodyNotAllowed is returned by writes of a body on a response that
	// cannot carry one (1xx, 204, 304).
	ErrBodyNotAllowed = errors.New("httpserver: response status does not allow a body")
	// ErrHijacked is returned by ResponseWriter methods once the connection
	// was hijacked.
	ErrHijacked = errors.New("httpserver: connection has been hijacked")
	// ErrEventedRead is returned by Read and SetReadDeadline of a
	// connection taken over with ResponseController.HijackEvents: its
	// input is delivered to the EventHandler.
	ErrEventedRead = errors.New("httpserver: the input of an evented connection goes to its EventHandler")
	// ErrEventHandlerPanic is what OnClose receives when the
	// connection's EventHandler.OnData panicked: the server recovered
	// the panic, logged it (unless it was ErrAbortHandler) and closed the
	// connection.
	ErrEventHandlerPanic = errors.New("httpserver: EventHandler.OnData panicked")
	// ErrNotSupported is returned by ResponseController methods that the
	// underlying writer cannot provide.
	ErrNotSupported = errors.New("httpserver: feature not supported")
	// ErrAbortHandler is a sentinel panic value that aborts a handler: the
	// server closes the connection without logging a stack trace.
	ErrAbortHandler = errors.New("httpserver: abort handler")
	// ErrInvalidSetting is wrapped by the error Serve returns, naming the
	// field, for a setting with no meaning: a negative value where only
	// zero (the default) or a positive value is allowed, such as
	// Limits.MaxHeaderBytes (see [Limits] and [PoolOptions]).
	ErrInvalidSetting = errors.New("httpserver: invalid setting")
	// ErrAlreadyCommitted is for ResponseWriter implementations (middleware,
	// bridges) to return when an operation needs the header not yet
	// written. The server's own writer never returns it: its Hijack works
	// after WriteHeader too, sending the header first (as for 101
	// Switching Protocols).
	ErrAlreadyCommitted = errors.New("httpserver: response header already written")
	// ErrResponseSent is returned by [ResponseController.Reset] once
	// bytes of the response may have left the server.
	ErrResponseSent = errors.New("httpserver: response bytes already sent")
)

// ProtocolError describes a request the server rejected, with the status
// code it answered. It wraps the sentinel error of its class, if any.
type ProtocolError struct {
	Status int    // the HTTP status code sent to the client
	Reason string // what was wrong, quoting the offending input
	Err    error  // the wrapped sentinel, or nil
}

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("httpserver: %d %s: %s", e.Status, StatusText(e.Status), e.Reason)
}

// Unwrap returns the wrapped sentinel error.
func (e *ProtocolError) Unwrap() error { return e.Err }

// StatusOf returns the HTTP status an error stands for: the Status of a
// ProtocolError, 413 for ErrBodyTooLarge, 400 for ErrMalformedBody, and 500
// otherwise.
func StatusOf(err error) int {
	var pe *ProtocolError
	switch {
	case errors.As(err, &pe):
		return pe.Status
	case errors.Is(err, ErrBodyTooLarge):
		return StatusRequestEntityTooLarge
	case errors.Is(err, ErrMalformedBody):
		return StatusBadRequest
	}
	return StatusInternalServerError
}
