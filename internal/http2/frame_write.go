package http2

import "encoding/binary"

// AppendFrameHeader appends a 9-octet frame header (RFC 9113 §4.1).
func AppendFrameHeader(b []byte, h FrameHeader) []byte {
	return append(b,
		byte(h.Length>>16), byte(h.Length>>8), byte(h.Length),
		byte(h.Type), byte(h.Flags),
		byte(h.StreamID>>24)&0x7f, byte(h.StreamID>>16), byte(h.StreamID>>8), byte(h.StreamID))
}

// AppendData appends a DATA frame (RFC 9113 §6.1). len(data) must not
// exceed the peer's SETTINGS_MAX_FRAME_SIZE.
func AppendData(b []byte, streamID uint32, endStream bool, data []byte) []byte {
	var fl Flags
	if endStream {
		fl = FlagEndStream
	}
	b = AppendFrameHeader(b, FrameHeader{Length: uint32(len(data)), Type: FrameData, Flags: fl, StreamID: streamID})
	return append(b, data...)
}

// AppendHeaders appends a field block as one HEADERS frame followed by as
// many CONTINUATION frames as maxFrameSize requires (RFC 9113 §6.2, §6.10).
func AppendHeaders(b []byte, streamID uint32, endStream bool, block []byte, maxFrameSize uint32) []byte {
	typ := FrameHeaders
	var fl Flags
	if endStream {
		fl = FlagEndStream
	}
	for {
		n := len(block)
		if n > int(maxFrameSize) {
			n = int(maxFrameSize)
		}
		f := fl
		if n == len(block) {
			f |= FlagEndHeaders
		}
		b = AppendFrameHeader(b, FrameHeader{Length: uint32(n), Type: typ, Flags: f, StreamID: streamID})
		b = append(b, block[:n]...)
		block = block[n:]
		if len(block) == 0 {
			return b
		}
		typ, fl = FrameContinuation, 0
	}
}

// AppendRSTStream appends an RST_STREAM frame (RFC 9113 §6.4).
func AppendRSTStream(b []byte, streamID uint32, code ErrCode) []byte {
	b = AppendFrameHeader(b, FrameHeader{Length: 4, Type: FrameRSTStream, StreamID: streamID})
	return binary.BigEndian.AppendUint32(b, uint32(code))
}

// AppendSettings appends a SETTINGS frame (RFC 9113 §6.5).
func AppendSettings(b []byte, settings ...Setting) []byte {
	b = AppendFrameHeader(b, FrameHeader{Length: uint32(6 * len(settings)), Type: FrameSettings})
	for _, s := range settings {
		b = binary.BigEndian.AppendUint16(b, uint16(s.ID))
		b = binary.BigEndian.AppendUint32(b, s.Val)
	}
	return b
}

// AppendSettingsAck appends a SETTINGS frame with the ACK flag (RFC 9113 §6.5).
func AppendSettingsAck(b []byte) []byte {
	return AppendFrameHeader(b, FrameHeader{Type: FrameSettings, Flags: FlagAck})
}

// AppendPing appends a PING frame (RFC 9113 §6.7).
func AppendPing(b []byte, ack bool, data [8]byte) []byte {
	var fl Flags
	if ack {
		fl = FlagAck
	}
	b = AppendFrameHeader(b, FrameHeader{Length: 8, Type: FramePing, Flags: fl})
	return append(b, data[:]...)
}

// AppendGoAway appends a GOAWAY frame (RFC 9113 §6.8).
func AppendGoAway(b []byte, lastStreamID uint32, code ErrCode, debug []byte) []byte {
	b = AppendFrameHeader(b, FrameHeader{Length: uint32(8 + len(debug)), Type: FrameGoAway})
	b = binary.BigEndian.AppendUint32(b, lastStreamID&(1<<31-1))
	b = binary.BigEndian.AppendUint32(b, uint32(code))
	return append(b, debug...)
}

// AppendWindowUpdate appends a WINDOW_UPDATE frame (RFC 9113 §6.9).
func AppendWindowUpdate(b []byte, streamID, increment uint32) []byte {
	b = AppendFrameHeader(b, FrameHeader{Length: 4, Type: FrameWindowUpdate, StreamID: streamID})
	return binary.BigEndian.AppendUint32(b, increment&(1<<31-1))
}
