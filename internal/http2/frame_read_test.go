package http2

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func frameBytes(length uint32, typ FrameType, flags Flags, stream uint32, payload []byte) []byte {
	return append(AppendFrameHeader(nil, FrameHeader{Length: length, Type: typ, Flags: flags, StreamID: stream}), payload...)
}

func raw(typ FrameType, flags Flags, stream uint32, payload []byte) []byte {
	return frameBytes(uint32(len(payload)), typ, flags, stream, payload)
}

// errKind describes an expected ReadFrame result.
type errKind struct {
	conn   bool // a ConnError (else a StreamError)
	code   ErrCode
	stream uint32
}

func TestFrameReaderRules(t *testing.T) {
	big := make([]byte, minMaxFrameSize+1)
	tests := []struct {
		name string
		in   []byte
		want *errKind // nil: the frame is accepted
	}{
		{"data ok", raw(FrameData, 0, 1, []byte("abc")), nil},
		{"data on stream 0 §6.1", raw(FrameData, 0, 0, []byte("abc")), &errKind{true, ErrCodeProtocol, 0}},
		{"data padded ok", raw(FrameData, FlagPadded, 1, []byte{2, 'a', 0, 0}), nil},
		{"data all padding ok", raw(FrameData, FlagPadded, 1, []byte{3, 'a', 0, 0}), nil},
		{"data padding too long §6.1", raw(FrameData, FlagPadded, 1, []byte{4, 'a', 0, 0}), &errKind{true, ErrCodeProtocol, 0}},
		{"data padded without pad length", raw(FrameData, FlagPadded, 1, nil), &errKind{true, ErrCodeFrameSize, 0}},
		{"oversized frame §4.2", raw(FrameData, 0, 1, big), &errKind{true, ErrCodeFrameSize, 0}},
		{"frame of exactly SETTINGS_MAX_FRAME_SIZE §4.2", raw(FrameData, 0, 1, big[1:]), nil},
		{"headers on stream 0 §6.2", raw(FrameHeaders, FlagEndHeaders, 0, []byte{0x82}), &errKind{true, ErrCodeProtocol, 0}},
		{"headers priority too short", raw(FrameHeaders, FlagEndHeaders|FlagPriority, 1, []byte{0, 0, 0}), &errKind{true, ErrCodeFrameSize, 0}},
		{"headers padding too long §6.2", raw(FrameHeaders, FlagEndHeaders|FlagPadded, 1, []byte{5, 0x82}), &errKind{true, ErrCodeProtocol, 0}},
		{"priority on stream 0 §6.3", raw(FramePriority, 0, 0, []byte{0, 0, 0, 1, 16}), &errKind{true, ErrCodeProtocol, 0}},
		{"priority wrong length §6.3", raw(FramePriority, 0, 1, []byte{0, 0, 0, 1}), &errKind{false, ErrCodeFrameSize, 1}},
		{"rst on stream 0 §6.4", raw(FrameRSTStream, 0, 0, []byte{0, 0, 0, 8}), &errKind{true, ErrCodeProtocol, 0}},
		{"rst wrong length §6.4", raw(FrameRSTStream, 0, 1, []byte{0, 0, 8}), &errKind{true, ErrCodeFrameSize, 0}},
		{"settings on a stream §6.5", raw(FrameSettings, 0, 1, nil), &errKind{true, ErrCodeProtocol, 0}},
		{"settings ack with payload §6.5", raw(FrameSettings, FlagAck, 0, make([]byte, 6)), &errKind{true, ErrCodeFrameSize, 0}},
		{"settings length not 6n §6.5", raw(FrameSettings, 0, 0, make([]byte, 7)), &errKind{true, ErrCodeFrameSize, 0}},
		{"push promise from client §8.4", raw(FramePushPromise, FlagEndHeaders, 1, []byte{0, 0, 0, 2}), &errKind{true, ErrCodeProtocol, 0}},
		{"ping on a stream §6.7", raw(FramePing, 0, 1, make([]byte, 8)), &errKind{true, ErrCodeProtocol, 0}},
		{"ping wrong length §6.7", raw(FramePing, 0, 0, make([]byte, 7)), &errKind{true, ErrCodeFrameSize, 0}},
		{"goaway on a stream §6.8", raw(FrameGoAway, 0, 1, make([]byte, 8)), &errKind{true, ErrCodeProtocol, 0}},
		{"goaway too short", raw(FrameGoAway, 0, 0, make([]byte, 7)), &errKind{true, ErrCodeFrameSize, 0}},
		{"window update wrong length §6.9", raw(FrameWindowUpdate, 0, 0, []byte{0, 0, 1}), &errKind{true, ErrCodeFrameSize, 0}},
		{"window update 0 on conn §6.9", raw(FrameWindowUpdate, 0, 0, []byte{0, 0, 0, 0}), &errKind{true, ErrCodeProtocol, 0}},
		{"window update 0 on stream §6.9", raw(FrameWindowUpdate, 0, 3, []byte{0, 0, 0, 0}), &errKind{false, ErrCodeProtocol, 3}},
		{"continuation alone §6.10", raw(FrameContinuation, FlagEndHeaders, 1, nil), &errKind{true, ErrCodeProtocol, 0}},
		{"unknown type ignored §5.5", raw(0x42, 0xff, 7, []byte("x")), nil},
		{"reserved stream bit ignored §4.1", raw(FrameData, 0, 1|1<<31, []byte("a")), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fr := NewFrameReader(bytes.NewReader(tt.in), 0)
			_, err := fr.ReadFrame()
			checkErrKind(t, err, tt.want)
		})
	}
}

func checkErrKind(t *testing.T, err error, want *errKind) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("err = %v, want none", err)
		}
		return
	}
	var ce ConnError
	var se StreamError
	switch {
	case errors.As(err, &ce):
		if !want.conn || ce.Code != want.code {
			t.Fatalf("got %v, want %+v", err, *want)
		}
	case errors.As(err, &se):
		if want.conn || se.Code != want.code || se.StreamID != want.stream {
			t.Fatalf("got %v, want %+v", err, *want)
		}
	default:
		t.Fatalf("got %v, want %+v", err, *want)
	}
}

func TestFrameReaderContinuationSequence(t *testing.T) {
	tests := []struct {
		name   string
		frames [][]byte
		want   *errKind // for the last frame
	}{
		{"headers then continuation", [][]byte{raw(FrameHeaders, 0, 1, []byte{0x82}), raw(FrameContinuation, FlagEndHeaders, 1, []byte{0x84})}, nil},
		{"interleaved frame §6.10", [][]byte{raw(FrameHeaders, 0, 1, []byte{0x82}), raw(FramePing, 0, 0, make([]byte, 8))}, &errKind{true, ErrCodeProtocol, 0}},
		{"continuation of another stream §6.10", [][]byte{raw(FrameHeaders, 0, 1, []byte{0x82}), raw(FrameContinuation, FlagEndHeaders, 3, nil)}, &errKind{true, ErrCodeProtocol, 0}},
		{"continuation after end headers §6.10", [][]byte{raw(FrameHeaders, FlagEndHeaders, 1, []byte{0x82}), raw(FrameContinuation, FlagEndHeaders, 1, nil)}, &errKind{true, ErrCodeProtocol, 0}},
		{"unknown type inside a block §4.3", [][]byte{raw(FrameHeaders, 0, 1, []byte{0x82}), raw(0x42, 0, 1, nil)}, &errKind{true, ErrCodeProtocol, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fr := NewFrameReader(bytes.NewReader(bytes.Join(tt.frames, nil)), 0)
			var err error
			for range tt.frames {
				if _, err = fr.ReadFrame(); err != nil {
					break
				}
			}
			checkErrKind(t, err, tt.want)
		})
	}
}

func TestFrameReaderParsesFields(t *testing.T) {
	in := AppendGoAway(nil, 7, ErrCodeEnhanceYourCalm, []byte("bye"))
	in = append(in, raw(FrameHeaders, FlagEndHeaders|FlagPriority|FlagPadded, 3, []byte{1, 0x80, 0, 0, 1, 200, 0x82, 0})...)
	fr := NewFrameReader(bytes.NewReader(in), 0)
	f, _ := fr.ReadFrame()
	if f.LastStreamID != 7 || f.ErrCode != ErrCodeEnhanceYourCalm || string(f.Data) != "bye" {
		t.Fatalf("GOAWAY parsed as %+v", f)
	}
	f, err := fr.ReadFrame()
	if err != nil || f.Type != FrameHeaders || f.StreamID != 3 || !f.Priority.Exclusive || f.Priority.StreamDep != 1 || f.Priority.Weight != 200 || !bytes.Equal(f.Data, []byte{0x82}) {
		t.Fatalf("HEADERS parsed as %+v, %v", f, err)
	}
	if _, err := fr.ReadFrame(); err != io.EOF {
		t.Fatalf("at end: %v", err)
	}

	var in2 []byte
	in2 = AppendWindowUpdate(in2, 5, 1000)
	in2 = AppendPing(in2, true, [8]byte{1, 2, 3, 4, 5, 6, 7, 8})
	in2 = AppendSettings(in2, Setting{SettingInitialWindowSize, 1 << 20}, Setting{SettingMaxFrameSize, 1 << 15})
	in2 = AppendRSTStream(in2, 9, ErrCodeCancel)
	fr = NewFrameReader(bytes.NewReader(in2), 0)
	if f, _ := fr.ReadFrame(); f.Increment != 1000 || f.StreamID != 5 {
		t.Fatalf("WINDOW_UPDATE parsed as %+v", f)
	}
	if f, _ := fr.ReadFrame(); f.PingData != [8]byte{1, 2, 3, 4, 5, 6, 7, 8} || !f.Flags.Has(FlagAck) {
		t.Fatalf("PING parsed as %+v", f)
	}
	if f, _ := fr.ReadFrame(); f.NumSettings() != 2 || f.Setting(1) != (Setting{SettingMaxFrameSize, 1 << 15}) {
		t.Fatalf("SETTINGS parsed as %+v", f)
	}
	if f, _ := fr.ReadFrame(); f.ErrCode != ErrCodeCancel || f.StreamID != 9 {
		t.Fatalf("RST_STREAM parsed as %+v", f)
	}
}

// A read error (a deadline) in the middle of a frame must not lose the
// bytes already read.
func TestFrameReaderResumesAfterError(t *testing.T) {
	whole := raw(FrameData, FlagEndStream, 1, []byte("hello world"))
	r := &stutterReader{chunks: [][]byte{whole[:4], nil, whole[4:12], nil, whole[12:]}}
	fr := NewFrameReader(r, 0)
	var f *Frame
	var err error
	for i := 0; i < 10; i++ {
		if f, err = fr.ReadFrame(); err == nil {
			break
		}
		if err != errStutter {
			t.Fatal(err)
		}
	}
	if f == nil || string(f.Data) != "hello world" {
		t.Fatalf("frame %+v, err %v", f, err)
	}
}

var errStutter = errors.New("stutter")

// stutterReader returns its chunks one per Read; a nil chunk is an error.
type stutterReader struct{ chunks [][]byte }

func (r *stutterReader) Read(p []byte) (int, error) {
	if len(r.chunks) == 0 {
		return 0, io.EOF
	}
	c := r.chunks[0]
	r.chunks = r.chunks[1:]
	if c == nil {
		return 0, errStutter
	}
	return copy(p, c), nil
}

func TestAppendHeadersSplitsIntoContinuation(t *testing.T) {
	block := bytes.Repeat([]byte{0x82}, 40000)
	fr := NewFrameReader(bytes.NewReader(AppendHeaders(nil, 1, true, block, minMaxFrameSize)), 0)
	var got []byte
	types := []FrameType{}
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			break
		}
		types = append(types, f.Type)
		got = append(got, f.Data...)
		if f.Type == FrameHeaders && !f.Flags.Has(FlagEndStream) {
			t.Fatal("END_STREAM belongs on the HEADERS frame")
		}
	}
	if !bytes.Equal(got, block) || len(types) != 3 || types[1] != FrameContinuation {
		t.Fatalf("got %d octets in %v", len(got), types)
	}
}
