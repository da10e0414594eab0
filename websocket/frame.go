package websocket

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
)

// opcode is a frame's opcode (RFC 6455 §5.2).
type opcode byte

const (
	opContinuation opcode = 0x0
	opText         opcode = 0x1
	opBinary       opcode = 0x2
	opClose        opcode = 0x8
	opPing         opcode = 0x9
	opPong         opcode = 0xA
)

// isControl reports whether op is a control opcode (RFC 6455 §5.5: the most
// significant bit of the opcode is set).
func (op opcode) isControl() bool { return op&0x8 != 0 }

// maxControlPayload is the largest payload of a control frame (RFC 6455
// §5.5).
const maxControlPayload = 125

// header is a decoded frame header (RFC 6455 §5.2).
type header struct {
	fin              bool
	rsv1, rsv2, rsv3 bool
	op               opcode
	masked           bool
	key              [4]byte
	length           int64
}

// readHeader reads and checks one frame header from br (the blocking
// reader); see parseHeader.
func readHeader(br *bufio.Reader) (header, error) {
	want := 2
	for range 4 { // the parts of a header: 2 bytes, extended length, key
		b, err := br.Peek(want)
		if err != nil {
			if len(b) > 0 || want > 2 {
				err = noEOF(err)
			}
			return header{}, err
		}
		h, size, more, err := parseHeader(b)
		if err != nil {
			return h, err
		}
		if size > 0 {
			br.Discard(size)
			return h, nil
		}
		want = more
	}
	return header{}, protocolErrorf("frame header did not parse") // unreachable: each step wants more
}

// parseHeader decodes and checks the frame header at the start of b; the
// blocking reader (readHeader) and the event reader (events.go) share it.
// It returns the header and its size; when b holds only part of the
// header, size is 0 and want is how many bytes b must hold to go on. The
// checks that need no connection state are made here, each as soon as
// its bytes are there; the caller checks the rest (masking direction,
// RSV1 meaning, continuation order: checkFrame).
func parseHeader(b []byte) (h header, size, want int, err error) {
	if len(b) < 2 {
		return h, 0, 2, nil
	}
	h.fin = b[0]&0x80 != 0
	h.rsv1 = b[0]&0x40 != 0
	h.rsv2 = b[0]&0x20 != 0
	h.rsv3 = b[0]&0x10 != 0
	h.op = opcode(b[0] & 0x0F)
	h.masked = b[1]&0x80 != 0
	n := int64(b[1] & 0x7F)
	pos := 2
	switch n {
	case 126:
		if len(b) < 4 {
			return h, 0, 4, nil
		}
		n = int64(binary.BigEndian.Uint16(b[2:4]))
		pos = 4
		// RFC 6455 §5.2: "the minimal number of bytes MUST be used to
		// encode the length".
		if n < 126 {
			return h, 0, 0, protocolErrorf("non-minimal 16-bit payload length %d", n)
		}
	case 127:
		if len(b) < 10 {
			return h, 0, 10, nil
		}
		u := binary.BigEndian.Uint64(b[2:10])
		pos = 10
		// RFC 6455 §5.2: "the most significant bit MUST be 0".
		if u>>63 != 0 {
			return h, 0, 0, protocolErrorf("payload length with the most significant bit set")
		}
		if u <= 0xFFFF {
			return h, 0, 0, protocolErrorf("non-minimal 64-bit payload length %d", u)
		}
		n = int64(u)
	}
	h.length = n
	if h.masked {
		if len(b) < pos+4 {
			return h, 0, pos + 4, nil
		}
		copy(h.key[:], b[pos:pos+4])
		pos += 4
	}
	switch h.op {
	case opContinuation, opText, opBinary, opClose, opPing, opPong:
	default:
		// RFC 6455 §5.2: "If an unknown opcode is received, the receiving
		// endpoint MUST _Fail the WebSocket Connection_."
		return h, 0, 0, protocolErrorf("reserved opcode %#x", byte(h.op))
	}
	// RFC 6455 §5.2: RSV2 and RSV3 "MUST be 0 unless an extension is
	// negotiated that defines meanings"; no extension here does.
	if h.rsv2 || h.rsv3 {
		return h, 0, 0, protocolErrorf("reserved bits RSV2/RSV3 set")
	}
	if h.op.isControl() {
		// RFC 6455 §5.5: "All control frames MUST have a payload length
		// of 125 bytes or less and MUST NOT be fragmented."
		if h.length > maxControlPayload {
			return h, 0, 0, protocolErrorf("control frame payload of %d bytes", h.length)
		}
		if !h.fin {
			return h, 0, 0, protocolErrorf("fragmented control frame")
		}
		// RFC 7692 §6: RSV1 is the "Per-Message Compressed" bit and is
		// set on the first frame of a data message only.
		if h.rsv1 {
			return h, 0, 0, protocolErrorf("RSV1 set on a control frame")
		}
	}
	return h, pos, 0, nil
}

// checkFrame applies the rules on a frame header that depend on the
// connection: whether a fragmented message is open (inMessage) and
// whether permessage-deflate was negotiated. The blocking and the event
// reader share it.
func checkFrame(h header, inMessage, deflate bool) error {
	// RFC 6455 §5.1: "The server MUST close the connection upon
	// receiving a frame that is not masked" (status 1002, §7.4.1).
	if !h.masked {
		return protocolErrorf("unmasked frame from the client")
	}
	if h.op.isControl() {
		return nil // allowed between fragments (RFC 6455 §5.4)
	}
	// RFC 7692 §6: RSV1 marks a compressed message, and only when
	// permessage-deflate was negotiated; RFC 6455 §5.2 fails the
	// connection on a reserved bit without a meaning.
	if h.rsv1 && (!deflate || h.op == opContinuation) {
		return protocolErrorf("RSV1 set without a compressed message starting")
	}
	// RFC 6455 §5.4: a continuation frame outside a fragmented message
	// has nothing to continue, and the fragments of one message are not
	// interleaved with another data message.
	if h.op == opContinuation && !inMessage {
		return protocolErrorf("continuation frame without a message to continue")
	}
	if h.op != opContinuation && inMessage {
		return protocolErrorf("data frame of opcode %#x inside a fragmented message", byte(h.op))
	}
	return nil
}

// appendHeader appends the encoding of h to b.
func appendHeader(b []byte, h header) []byte {
	var b0 byte
	if h.fin {
		b0 |= 0x80
	}
	if h.rsv1 {
		b0 |= 0x40
	}
	if h.rsv2 {
		b0 |= 0x20
	}
	if h.rsv3 {
		b0 |= 0x10
	}
	b0 |= byte(h.op)
	var b1 byte
	if h.masked {
		b1 = 0x80
	}
	switch {
	case h.length < 126:
		b = append(b, b0, b1|byte(h.length))
	case h.length <= 0xFFFF:
		b = append(b, b0, b1|126)
		b = binary.BigEndian.AppendUint16(b, uint16(h.length))
	default:
		b = append(b, b0, b1|127)
		b = binary.BigEndian.AppendUint64(b, uint64(h.length))
	}
	if h.masked {
		b = append(b, h.key[:]...)
	}
	return b
}

// noEOF turns io.EOF inside a frame into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// protocolErrorf returns an error that fails the connection with
// [StatusProtocolError].
func protocolErrorf(format string, args ...any) error {
	return &failure{code: StatusProtocolError, msg: fmt.Sprintf(format, args...)}
}

// failure is a violation by the peer; the connection is failed with code
// (RFC 6455 §7.1.7).
type failure struct {
	code StatusCode
	msg  string
}

// Error names the violation and the close code sent for it.
func (e *failure) Error() string {
	return fmt.Sprintf("websocket: %s (closing with %d)", e.msg, int(e.code))
}
