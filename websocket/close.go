package websocket

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// StatusCode is a close status code (RFC 6455 §7.4).
type StatusCode int

// The status codes of RFC 6455 §7.4.1 and the IANA registry.
const (
	StatusNormalClosure           StatusCode = 1000
	StatusGoingAway               StatusCode = 1001
	StatusProtocolError           StatusCode = 1002
	StatusUnsupportedData         StatusCode = 1003
	StatusNoStatusReceived        StatusCode = 1005 // never sent; reported when a close frame had no code
	StatusAbnormalClosure         StatusCode = 1006 // never sent; reported when the connection ended without a close frame
	StatusInvalidFramePayloadData StatusCode = 1007
	StatusPolicyViolation         StatusCode = 1008
	StatusMessageTooBig           StatusCode = 1009
	StatusMandatoryExtension      StatusCode = 1010
	StatusInternalError           StatusCode = 1011
	StatusServiceRestart          StatusCode = 1012
	StatusTryAgainLater           StatusCode = 1013
	StatusBadGateway              StatusCode = 1014
)

// CloseError is the close frame received from the peer; Read and Reader
// return it (wrapped) once the peer has closed. [CloseStatus] extracts the
// code.
type CloseError struct {
	Code   StatusCode
	Reason string
}

// Error describes the close frame.
func (e CloseError) Error() string {
	return fmt.Sprintf("websocket: closed by peer with status %d and reason %q", int(e.Code), e.Reason)
}

// CloseStatus returns the code of the [CloseError] in err's chain, or -1
// when there is none.
func CloseStatus(err error) StatusCode {
	var ce CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return -1
}

// validReceivedCode reports whether a peer may send code in a close frame
// (RFC 6455 §7.4): 1000-1003 and 1007-1014 are defined (1012-1014 by the
// IANA registry of §11.7), 3000-4999 are for libraries and applications.
// 1005, 1006 and 1015 "MUST NOT be set as a status code in a Close control
// frame by an endpoint"; the rest of 0-2999 is reserved.
func validReceivedCode(code StatusCode) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// parseClosePayload decodes a close frame's body (RFC 6455 §5.5.1).
func parseClosePayload(p []byte) (CloseError, error) {
	switch {
	case len(p) == 0:
		return CloseError{Code: StatusNoStatusReceived}, nil
	case len(p) == 1:
		// RFC 6455 §5.5.1: a body, if present, starts with a 2-byte code.
		return CloseError{}, protocolErrorf("close frame with a 1-byte body")
	}
	ce := CloseError{Code: StatusCode(binary.BigEndian.Uint16(p)), Reason: string(p[2:])}
	if !validReceivedCode(ce.Code) {
		return CloseError{}, protocolErrorf("invalid close code %d", int(ce.Code))
	}
	// RFC 6455 §5.5.1: the reason is UTF-8 text; §8.1 fails the
	// connection on invalid UTF-8.
	if !validUTF8(p[2:]) {
		return CloseError{}, &failure{code: StatusInvalidFramePayloadData, msg: "close reason is not valid UTF-8"}
	}
	return ce, nil
}

// appendClosePayload appends a close frame's body for code and reason; a
// code of StatusNoStatusReceived gives an empty body.
func appendClosePayload(b []byte, code StatusCode, reason string) []byte {
	if code == StatusNoStatusReceived {
		return b
	}
	b = binary.BigEndian.AppendUint16(b, uint16(code))
	return append(b, reason...)
}

// checkSendClose validates a close the application asks for.
func checkSendClose(code StatusCode, reason string) error {
	if code == StatusNoStatusReceived && reason != "" {
		return fmt.Errorf("%w: a reason needs a status code", ErrInvalidClose)
	}
	if code != StatusNoStatusReceived && !validReceivedCode(code) {
		return fmt.Errorf("%w: status code %d may not be sent", ErrInvalidClose, int(code))
	}
	// RFC 6455 §5.5: the close body, 2 bytes of code and the reason,
	// fits a control frame.
	if len(reason) > maxControlPayload-2 {
		return fmt.Errorf("%w: reason of %d bytes (at most %d)", ErrInvalidClose, len(reason), maxControlPayload-2)
	}
	if !validUTF8([]byte(reason)) {
		return fmt.Errorf("%w: reason %q is not valid UTF-8", ErrInvalidClose, reason)
	}
	return nil
}

// Close starts the close handshake (RFC 6455 §7.1.2): it sends a close
// frame with code and reason, waits up to the CloseTimeout for the peer's
// close frame and closes the TCP connection. Data messages that arrive
// meanwhile are discarded when no reader is running. The reason must be
// UTF-8 of at most 123 bytes; StatusNoStatusReceived sends a close frame
// without a body.
func (c *Conn) Close(code StatusCode, reason string) error {
	if err := checkSendClose(code, reason); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.closeTimeout)
	defer cancel()
	return c.closeHandshake(ctx, code, reason)
}

// closeHandshake is Close bounded by ctx.
func (c *Conn) closeHandshake(ctx context.Context, code StatusCode, reason string) error {
	if !c.closeSent.CompareAndSwap(false, true) {
		// A close frame went out already (a Close elsewhere, an answer
		// to the peer's close, a failure): wait for that to end.
		select {
		case <-c.closed:
		case <-ctx.Done():
			c.CloseNow()
		}
		return ErrClosed
	}
	defer c.CloseNow()
	if err := c.writeClose(ctx, code, reason); err != nil {
		return err
	}
	if c.readMu.tryLock() {
		defer c.readMu.unlock()
		stop := c.watch(ctx)
		defer stop()
		return c.readUntilClose(ctx)
	}
	select {
	case <-c.closeReceived:
		return nil
	case <-c.closed:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// readUntilClose reads and discards frames until the peer's close frame.
// Called with readMu held.
func (c *Conn) readUntilClose(ctx context.Context) error {
	rd := &c.rd
	for range 1 << 20 { // bounded; the context bounds it in time
		if rd.active {
			if _, err := io.Copy(io.Discard, readFunc(rd.read)); err != nil {
				break
			}
			continue
		}
		if c.readErr != nil {
			break
		}
		if err := c.nextMessage(); err != nil {
			break
		}
	}
	select {
	case <-c.closeReceived:
		return nil
	default:
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return c.readErr
}
