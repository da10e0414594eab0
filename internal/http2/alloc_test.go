//go:build !race

package http2

import (
	"bytes"
	"testing"
)

// Reading a frame allocates nothing: the header, the payload and the
// parsed fields live in the reader's buffer.
func TestZeroAllocFrameReader(t *testing.T) {
	stream := raw(FrameData, FlagPadded, 1, []byte{1, 'a', 'b', 0})
	stream = AppendWindowUpdate(stream, 0, 100)
	stream = AppendPing(stream, false, [8]byte{})
	stream = AppendSettings(stream, Setting{SettingMaxFrameSize, 1 << 15})
	stream = append(stream, raw(FrameHeaders, FlagEndHeaders|FlagPriority, 3, []byte{0, 0, 0, 1, 16, 0x82})...)
	r := bytes.NewReader(nil)
	fr := NewFrameReader(r, 0)
	allocs := testing.AllocsPerRun(100, func() {
		r.Reset(stream)
		for {
			if _, err := fr.ReadFrame(); err != nil {
				break
			}
		}
	})
	if allocs != 0 {
		t.Fatalf("ReadFrame allocates %v times per run", allocs)
	}
}

// A stream costs no allocation once the connection is warm: the Stream,
// its field storage and its handler goroutine are reused.
func TestZeroAllocServerStream(t *testing.T) {
	run := streamLoad(t)
	run(256) // warm the pool, the workers and the buffers
	allocs := testing.AllocsPerRun(20, func() { run(32) })
	// Allow a rare map growth or a worker started when none was idle.
	if per := allocs / 32; per > 0.1 {
		t.Fatalf("%.2f allocations per stream", per)
	}
}
