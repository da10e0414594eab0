package http2

import (
	"strings"
	"testing"
)

func TestSettingValidate(t *testing.T) {
	tests := []struct {
		s    Setting
		want *errKind
	}{
		{Setting{SettingEnablePush, 0}, nil},
		{Setting{SettingEnablePush, 1}, nil},
		{Setting{SettingEnablePush, 2}, &errKind{true, ErrCodeProtocol, 0}},
		{Setting{SettingInitialWindowSize, maxWindow}, nil},
		{Setting{SettingInitialWindowSize, maxWindow + 1}, &errKind{true, ErrCodeFlowControl, 0}},
		{Setting{SettingMaxFrameSize, minMaxFrameSize - 1}, &errKind{true, ErrCodeProtocol, 0}},
		{Setting{SettingMaxFrameSize, minMaxFrameSize}, nil},
		{Setting{SettingMaxFrameSize, maxMaxFrameSize}, nil},
		{Setting{SettingMaxFrameSize, maxMaxFrameSize + 1}, &errKind{true, ErrCodeProtocol, 0}},
		{Setting{SettingEnableConnectProtocol, 2}, &errKind{true, ErrCodeProtocol, 0}},
		{Setting{SettingHeaderTableSize, ^uint32(0)}, nil},
		{Setting{SettingMaxConcurrentStreams, 0}, nil},
		{Setting{0x99, ^uint32(0)}, nil}, // unknown: ignored (§6.5.2)
	}
	for _, tt := range tests {
		checkErrKind(t, tt.s.Validate(), tt.want)
	}
}

// Oversized SETTINGS values from a client end the connection with the
// error RFC 9113 §6.5.2 names.
func TestServerRejectsSettingsOutOfRange(t *testing.T) {
	tests := []struct {
		s    Setting
		code ErrCode
	}{
		{Setting{SettingInitialWindowSize, 1 << 31}, ErrCodeFlowControl},
		{Setting{SettingMaxFrameSize, 1 << 24}, ErrCodeProtocol},
		{Setting{SettingEnablePush, 7}, ErrCodeProtocol},
	}
	for _, tt := range tests {
		rc := startRaw(t, nil, helloHandler)
		rc.write(AppendSettings(nil, tt.s))
		rc.expectGoAway(tt.code)
	}
}

// A smaller SETTINGS_HEADER_TABLE_SIZE applies from the client's ACK: until
// then the client may index into the default 4096 octets (RFC 9113 §6.5.2).
func TestHeaderTableSizeAppliesFromAck(t *testing.T) {
	rc := startRaw(t, &Config{Limits: Limits{HeaderTableSize: 256}}, helloHandler)
	big := strings.Repeat("v", 1000)
	rc.request(1, "GET", "/one", true, "x-big", big) // indexed by the client's 4096 table
	if status, _ := rc.response(1); status != "200" {
		t.Fatalf("first: %q", status)
	}
	rc.request(3, "GET", "/two", true, "x-big", big) // now a one-octet index
	if status, _ := rc.response(3); status != "200" {
		t.Fatalf("second: %q", status)
	}
}
