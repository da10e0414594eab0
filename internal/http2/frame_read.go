package http2

import (
	"encoding/binary"
	"io"
)

// FrameReader reads frames from a connection into one reusable buffer:
// reading a frame allocates nothing. It checks every rule that concerns a
// frame alone (sizes, flags, stream identifiers, padding, the CONTINUATION
// sequence); the rules that need stream state live in the server.
//
// A read error (for example a deadline) keeps the bytes read so far, so
// ReadFrame may be called again.
type FrameReader struct {
	r   io.Reader
	buf []byte
	beg int // start of unread bytes
	end int // end of unread bytes

	// maxFrameSize is the SETTINGS_MAX_FRAME_SIZE this side advertised.
	maxFrameSize uint32
	// continuing is the stream whose field block awaits CONTINUATION
	// frames, or 0.
	continuing uint32
	frame      Frame

	// OnFieldBlockWait, when set, is called when ReadFrame has the
	// header of a HEADERS frame and waits for the rest of it: a field
	// block has begun to arrive (the server bounds it in time). It may
	// be called again for the same frame, after a read deadline.
	OnFieldBlockWait func()
}

// NewFrameReader returns a reader that accepts frames of up to maxFrameSize
// payload octets (the SETTINGS_MAX_FRAME_SIZE advertised to the peer;
// 0 means 16384).
func NewFrameReader(r io.Reader, maxFrameSize uint32) *FrameReader {
	if maxFrameSize == 0 {
		maxFrameSize = minMaxFrameSize
	}
	// The buffer starts small (an idle connection holds little) and grows
	// to the largest frame seen, at most a header plus maxFrameSize.
	return &FrameReader{r: r, buf: make([]byte, initialReadBuffer), maxFrameSize: maxFrameSize}
}

// initialReadBuffer is the first size of a FrameReader's buffer: room for
// a batch of small frames in one read.
const initialReadBuffer = 4 << 10

// Buffered returns the bytes read from the connection but not yet parsed.
func (fr *FrameReader) Buffered() []byte { return fr.buf[fr.beg:fr.end] }

// fill reads until at least n unread bytes are buffered.
func (fr *FrameReader) fill(n int) error {
	if fr.end-fr.beg >= n {
		return nil
	}
	if n > len(fr.buf) {
		// A frame larger than the buffer: grow to twice the need, up to
		// the largest frame allowed.
		size := min(2*n, frameHeaderLen+int(fr.maxFrameSize))
		buf := make([]byte, max(size, n))
		fr.end = copy(buf, fr.buf[fr.beg:fr.end])
		fr.beg = 0
		fr.buf = buf
	}
	if fr.beg+n > len(fr.buf) {
		copy(fr.buf, fr.buf[fr.beg:fr.end])
		fr.end -= fr.beg
		fr.beg = 0
	}
	for fr.end-fr.beg < n {
		m, err := fr.r.Read(fr.buf[fr.end:])
		fr.end += m
		if fr.end-fr.beg >= n {
			return nil
		}
		if err != nil {
			if err == io.EOF && fr.end > fr.beg {
				return io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// ReadPreface reads and checks the client connection preface (RFC 9113 §3.4).
func (fr *FrameReader) ReadPreface() error {
	if err := fr.fill(len(ClientPreface)); err != nil {
		return err
	}
	if string(fr.buf[fr.beg:fr.beg+len(ClientPreface)]) != ClientPreface {
		// RFC 9113 §3.4: an invalid preface is a connection error
		// PROTOCOL_ERROR; nothing the peer sent is HTTP/2, so no GOAWAY
		// needs to be understood.
		return ErrBadPreface
	}
	fr.beg += len(ClientPreface)
	return nil
}

// ReadFrame reads the next frame. The returned Frame and its slices are
// valid until the next call. Errors are ConnError, StreamError (the frame
// was consumed; the connection lives on) or the underlying read error.
func (fr *FrameReader) ReadFrame() (*Frame, error) {
	if err := fr.fill(frameHeaderLen); err != nil {
		return nil, err
	}
	fh := parseFrameHeader(fr.buf[fr.beg:])
	// RFC 9113 §4.2: a frame larger than SETTINGS_MAX_FRAME_SIZE is a
	// FRAME_SIZE_ERROR. It is treated as a connection error for every type
	// (required for frames that change connection state, allowed for the
	// rest), so the oversized payload is never read.
	if fh.Length > fr.maxFrameSize {
		return nil, connError(ErrCodeFrameSize, "frame larger than SETTINGS_MAX_FRAME_SIZE")
	}
	if fh.Type == FrameHeaders && fr.OnFieldBlockWait != nil && fr.end-fr.beg < frameHeaderLen+int(fh.Length) {
		fr.OnFieldBlockWait()
	}
	if err := fr.fill(frameHeaderLen + int(fh.Length)); err != nil {
		return nil, err
	}
	payload := fr.buf[fr.beg+frameHeaderLen : fr.beg+frameHeaderLen+int(fh.Length)]
	fr.beg += frameHeaderLen + int(fh.Length)
	f := &fr.frame
	*f = Frame{FrameHeader: fh}

	// RFC 9113 §4.3 and §6.10: a field block is a contiguous sequence of
	// frames; any frame other than a CONTINUATION of the same stream is a
	// PROTOCOL_ERROR connection error.
	if fr.continuing != 0 {
		if fh.Type != FrameContinuation || fh.StreamID != fr.continuing {
			return nil, connError(ErrCodeProtocol, "expected CONTINUATION of the open field block")
		}
	} else if fh.Type == FrameContinuation {
		// RFC 9113 §6.10: CONTINUATION not preceded by HEADERS,
		// PUSH_PROMISE or CONTINUATION without END_HEADERS.
		return nil, connError(ErrCodeProtocol, "CONTINUATION without an open field block")
	}

	var err error
	switch fh.Type {
	case FrameData:
		err = fr.parseData(f, payload)
	case FrameHeaders:
		err = fr.parseHeaders(f, payload)
	case FramePriority:
		err = parsePriorityFrame(f, payload)
	case FrameRSTStream:
		err = parseRSTStream(f, payload)
	case FrameSettings:
		err = parseSettings(f, payload)
	case FramePushPromise:
		// RFC 9113 §8.4: a client cannot push; a PUSH_PROMISE received by a
		// server is a PROTOCOL_ERROR connection error.
		err = connError(ErrCodeProtocol, "PUSH_PROMISE from a client")
	case FramePing:
		err = parsePing(f, payload)
	case FrameGoAway:
		err = parseGoAway(f, payload)
	case FrameWindowUpdate:
		err = parseWindowUpdate(f, payload)
	case FrameContinuation:
		// RFC 9113 §6.10: stream 0 was excluded above (continuing != 0).
		f.Data = payload
		if fh.Flags.Has(FlagEndHeaders) {
			fr.continuing = 0
		}
	default:
		// RFC 9113 §4.1, §5.5: frames of unknown type MUST be ignored.
		f.Data = payload
	}
	if err != nil {
		return nil, err
	}
	return f, nil
}

// stripPadding removes the Pad Length octet and the padding of a PADDED
// frame (RFC 9113 §6.1, §6.2).
func stripPadding(f *Frame, payload []byte) ([]byte, error) {
	if !f.Flags.Has(FlagPadded) {
		return payload, nil
	}
	if len(payload) < 1 {
		return nil, connError(ErrCodeFrameSize, "padded frame without a Pad Length")
	}
	pad := int(payload[0])
	payload = payload[1:]
	if pad > len(payload) {
		// RFC 9113 §6.1, §6.2: padding that is not shorter than the
		// remaining payload is a PROTOCOL_ERROR connection error.
		return nil, connError(ErrCodeProtocol, "padding exceeds the payload")
	}
	return payload[:len(payload)-pad], nil
}

func (fr *FrameReader) parseData(f *Frame, payload []byte) error {
	if f.StreamID == 0 {
		// RFC 9113 §6.1: DATA on stream 0 is a PROTOCOL_ERROR connection error.
		return connError(ErrCodeProtocol, "DATA on stream 0")
	}
	f.FlowLen = f.Length
	var err error
	f.Data, err = stripPadding(f, payload)
	return err
}

func (fr *FrameReader) parseHeaders(f *Frame, payload []byte) error {
	if f.StreamID == 0 {
		// RFC 9113 §6.2: HEADERS on stream 0 is a PROTOCOL_ERROR connection error.
		return connError(ErrCodeProtocol, "HEADERS on stream 0")
	}
	payload, err := stripPadding(f, payload)
	if err != nil {
		return err
	}
	if f.Flags.Has(FlagPriority) {
		if len(payload) < 5 {
			// RFC 9113 §4.2: a frame too short for its mandatory fields
			// is a FRAME_SIZE_ERROR; a field block frame makes it a
			// connection error.
			return connError(ErrCodeFrameSize, "HEADERS too short for its priority fields")
		}
		f.Priority = parsePriority(payload)
		payload = payload[5:]
	}
	f.Data = payload
	if !f.Flags.Has(FlagEndHeaders) {
		fr.continuing = f.StreamID
	}
	return nil
}

func parsePriority(b []byte) Priority {
	v := binary.BigEndian.Uint32(b)
	return Priority{StreamDep: v & (1<<31 - 1), Exclusive: v>>31 == 1, Weight: b[4]}
}

func parsePriorityFrame(f *Frame, payload []byte) error {
	if f.StreamID == 0 {
		// RFC 9113 §6.3: PRIORITY on stream 0 is a PROTOCOL_ERROR connection error.
		return connError(ErrCodeProtocol, "PRIORITY on stream 0")
	}
	if len(payload) != 5 {
		// RFC 9113 §6.3: a PRIORITY frame of length other than 5 is a
		// FRAME_SIZE_ERROR stream error.
		return streamError(f.StreamID, ErrCodeFrameSize, "PRIORITY frame length is not 5")
	}
	f.Priority = parsePriority(payload)
	return nil
}

func parseRSTStream(f *Frame, payload []byte) error {
	if f.StreamID == 0 {
		// RFC 9113 §6.4: RST_STREAM on stream 0 is a PROTOCOL_ERROR connection error.
		return connError(ErrCodeProtocol, "RST_STREAM on stream 0")
	}
	if len(payload) != 4 {
		// RFC 9113 §6.4: length other than 4 is a FRAME_SIZE_ERROR
		// connection error.
		return connError(ErrCodeFrameSize, "RST_STREAM frame length is not 4")
	}
	f.ErrCode = ErrCode(binary.BigEndian.Uint32(payload))
	return nil
}

func parseSettings(f *Frame, payload []byte) error {
	if f.StreamID != 0 {
		// RFC 9113 §6.5: SETTINGS on a stream is a PROTOCOL_ERROR connection error.
		return connError(ErrCodeProtocol, "SETTINGS on a stream")
	}
	if f.Flags.Has(FlagAck) && len(payload) != 0 {
		// RFC 9113 §6.5: an ACK with a payload is a FRAME_SIZE_ERROR
		// connection error.
		return connError(ErrCodeFrameSize, "SETTINGS ACK with a payload")
	}
	if len(payload)%6 != 0 {
		// RFC 9113 §6.5: a length that is not a multiple of 6 is a
		// FRAME_SIZE_ERROR connection error.
		return connError(ErrCodeFrameSize, "SETTINGS length is not a multiple of 6")
	}
	f.Data = payload
	return nil
}

func parsePing(f *Frame, payload []byte) error {
	if f.StreamID != 0 {
		// RFC 9113 §6.7: PING on a stream is a PROTOCOL_ERROR connection error.
		return connError(ErrCodeProtocol, "PING on a stream")
	}
	if len(payload) != 8 {
		// RFC 9113 §6.7: length other than 8 is a FRAME_SIZE_ERROR
		// connection error.
		return connError(ErrCodeFrameSize, "PING frame length is not 8")
	}
	copy(f.PingData[:], payload)
	return nil
}

func parseGoAway(f *Frame, payload []byte) error {
	if f.StreamID != 0 {
		// RFC 9113 §6.8: GOAWAY on a stream is a PROTOCOL_ERROR connection error.
		return connError(ErrCodeProtocol, "GOAWAY on a stream")
	}
	if len(payload) < 8 {
		// RFC 9113 §4.2: too short for its mandatory fields.
		return connError(ErrCodeFrameSize, "GOAWAY shorter than 8 octets")
	}
	f.LastStreamID = binary.BigEndian.Uint32(payload) & (1<<31 - 1)
	f.ErrCode = ErrCode(binary.BigEndian.Uint32(payload[4:]))
	f.Data = payload[8:]
	return nil
}

func parseWindowUpdate(f *Frame, payload []byte) error {
	if len(payload) != 4 {
		// RFC 9113 §6.9: length other than 4 is a FRAME_SIZE_ERROR
		// connection error.
		return connError(ErrCodeFrameSize, "WINDOW_UPDATE frame length is not 4")
	}
	// RFC 9113 §6.9: the reserved bit is ignored.
	f.Increment = binary.BigEndian.Uint32(payload) & (1<<31 - 1)
	if f.Increment == 0 {
		// RFC 9113 §6.9: an increment of 0 is a PROTOCOL_ERROR, a stream
		// error on a stream and a connection error on stream 0.
		if f.StreamID == 0 {
			return connError(ErrCodeProtocol, "WINDOW_UPDATE increment 0 on the connection")
		}
		return streamError(f.StreamID, ErrCodeProtocol, "WINDOW_UPDATE increment 0")
	}
	return nil
}
