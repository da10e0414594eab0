package http2

// SettingID identifies a SETTINGS parameter (RFC 9113 §6.5.2).
type SettingID uint16

// The SETTINGS parameters this package knows (RFC 9113 §6.5.2, RFC 8441 §3).
const (
	SettingHeaderTableSize       SettingID = 0x1
	SettingEnablePush            SettingID = 0x2
	SettingMaxConcurrentStreams  SettingID = 0x3
	SettingInitialWindowSize     SettingID = 0x4
	SettingMaxFrameSize          SettingID = 0x5
	SettingMaxHeaderListSize     SettingID = 0x6
	SettingEnableConnectProtocol SettingID = 0x8
)

// Setting is one SETTINGS parameter and its value.
type Setting struct {
	ID  SettingID
	Val uint32
}

// Validate checks the value against the range RFC 9113 §6.5.2 (and RFC 8441
// §3) allows. Unknown identifiers are valid (§6.5.2: they MUST be ignored).
func (s Setting) Validate() error {
	switch s.ID {
	case SettingEnablePush:
		// RFC 9113 §6.5.2: any value other than 0 or 1 is a PROTOCOL_ERROR
		// connection error.
		if s.Val > 1 {
			return connError(ErrCodeProtocol, "SETTINGS_ENABLE_PUSH is not 0 or 1")
		}
	case SettingInitialWindowSize:
		// RFC 9113 §6.5.2: values above 2^31-1 are a FLOW_CONTROL_ERROR
		// connection error.
		if s.Val > maxWindow {
			return connError(ErrCodeFlowControl, "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1")
		}
	case SettingMaxFrameSize:
		// RFC 9113 §6.5.2: values outside [2^14, 2^24-1] are a
		// PROTOCOL_ERROR connection error.
		if s.Val < minMaxFrameSize || s.Val > maxMaxFrameSize {
			return connError(ErrCodeProtocol, "SETTINGS_MAX_FRAME_SIZE out of range")
		}
	case SettingEnableConnectProtocol:
		// RFC 8441 §3: values other than 0 or 1 are a PROTOCOL_ERROR.
		if s.Val > 1 {
			return connError(ErrCodeProtocol, "SETTINGS_ENABLE_CONNECT_PROTOCOL is not 0 or 1")
		}
	}
	return nil
}

// peerSettings are the settings the client announced, with the RFC 9113
// §6.5.2 initial values until it says otherwise.
type peerSettings struct {
	headerTableSize      uint32
	maxConcurrentStreams uint32 // limits pushes only; the server never pushes
	initialWindowSize    uint32
	maxFrameSize         uint32
	maxHeaderListSize    uint32 // 0: unlimited
}

func defaultPeerSettings() peerSettings {
	return peerSettings{
		headerTableSize:      4096,
		maxConcurrentStreams: ^uint32(0),
		initialWindowSize:    initialWindow,
		maxFrameSize:         minMaxFrameSize,
	}
}
