package http2

import "encoding/binary"

// FrameType is the type octet of a frame header (RFC 9113 §4.1, §6).
type FrameType uint8

// The frame types of RFC 9113 §6.
const (
	FrameData         FrameType = 0x0
	FrameHeaders      FrameType = 0x1
	FramePriority     FrameType = 0x2
	FrameRSTStream    FrameType = 0x3
	FrameSettings     FrameType = 0x4
	FramePushPromise  FrameType = 0x5
	FramePing         FrameType = 0x6
	FrameGoAway       FrameType = 0x7
	FrameWindowUpdate FrameType = 0x8
	FrameContinuation FrameType = 0x9
)

var frameTypeNames = [...]string{
	"DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE",
	"PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION",
}

// String returns the RFC name of the type ("UNKNOWN" for extension types).
func (t FrameType) String() string {
	if int(t) < len(frameTypeNames) {
		return frameTypeNames[t]
	}
	return "UNKNOWN"
}

// Flags are the flag bits of a frame header; their meaning depends on the
// frame type.
type Flags uint8

// Frame flags (RFC 9113 §6).
const (
	FlagEndStream  Flags = 0x1  // DATA, HEADERS
	FlagAck        Flags = 0x1  // SETTINGS, PING
	FlagEndHeaders Flags = 0x4  // HEADERS, PUSH_PROMISE, CONTINUATION
	FlagPadded     Flags = 0x8  // DATA, HEADERS, PUSH_PROMISE
	FlagPriority   Flags = 0x20 // HEADERS
)

// Has reports whether every bit of v is set in f.
func (f Flags) Has(v Flags) bool { return f&v == v }

const (
	frameHeaderLen = 9
	// minMaxFrameSize is the initial and smallest SETTINGS_MAX_FRAME_SIZE
	// (RFC 9113 §4.2, §6.5.2).
	minMaxFrameSize = 1 << 14
	// maxMaxFrameSize is the largest allowed SETTINGS_MAX_FRAME_SIZE (§6.5.2).
	maxMaxFrameSize = 1<<24 - 1
	// maxWindow is the largest flow-control window (RFC 9113 §6.9.1).
	maxWindow = 1<<31 - 1
	// initialWindow is the initial stream and connection window (§6.9.2).
	initialWindow = 65535
)

// ClientPreface is the connection preface a client sends first (RFC 9113 §3.4).
const ClientPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// FrameHeader is the fixed 9-octet header of every frame (RFC 9113 §4.1).
type FrameHeader struct {
	Length   uint32
	Type     FrameType
	Flags    Flags
	StreamID uint32
}

func parseFrameHeader(b []byte) FrameHeader {
	return FrameHeader{
		Length: uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]),
		Type:   FrameType(b[3]),
		Flags:  Flags(b[4]),
		// RFC 9113 §4.1: the reserved bit MUST be ignored when receiving.
		StreamID: binary.BigEndian.Uint32(b[5:9]) & (1<<31 - 1),
	}
}

// Priority is the (deprecated, RFC 9113 §5.3.2) priority information of a
// HEADERS or PRIORITY frame. The server parses it to validate it and
// otherwise ignores it.
type Priority struct {
	StreamDep uint32
	Exclusive bool
	Weight    uint8
}

// Frame is one frame as read by a [FrameReader]. Its slices point into the
// reader's buffer and are valid only until the next ReadFrame.
type Frame struct {
	FrameHeader
	// Data is the payload without padding or priority fields: the data of
	// DATA, the field block fragment of HEADERS and CONTINUATION, the raw
	// settings of SETTINGS, the debug data of GOAWAY.
	Data []byte
	// Priority is set for PRIORITY and for HEADERS with FlagPriority.
	Priority Priority
	// ErrCode is set for RST_STREAM and GOAWAY.
	ErrCode ErrCode
	// LastStreamID is set for GOAWAY.
	LastStreamID uint32
	// Increment is set for WINDOW_UPDATE.
	Increment uint32
	// PingData is set for PING.
	PingData [8]byte
	// FlowLen is the whole payload length of a DATA frame, padding
	// included: what it takes from the flow-control windows (§6.1).
	FlowLen uint32
}

// NumSettings returns how many settings a SETTINGS frame carries.
func (f *Frame) NumSettings() int { return len(f.Data) / 6 }

// Setting returns the i-th setting of a SETTINGS frame.
func (f *Frame) Setting(i int) Setting {
	b := f.Data[i*6:]
	return Setting{ID: SettingID(binary.BigEndian.Uint16(b)), Val: binary.BigEndian.Uint32(b[2:])}
}
