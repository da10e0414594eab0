package http2

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Each test here attacks a real server connection the way a published
// attack does and checks the documented limit stops it.

// Rapid Reset (CVE-2023-44487): open a stream and cancel it at once, again
// and again; above Limits.MaxResets per interval the connection ends with
// GOAWAY ENHANCE_YOUR_CALM.
func TestRapidReset(t *testing.T) {
	var served atomic.Int32
	rc := startRaw(t, &Config{Limits: Limits{MaxResets: 10}}, HandlerFunc(func(s *Stream) {
		served.Add(1)
		<-s.Done()
	}))
	for id := uint32(1); id < 2*30; id += 2 {
		rc.request(id, "GET", "/", true)
		rc.write(AppendRSTStream(nil, id, ErrCodeCancel))
	}
	rc.expectGoAway(ErrCodeEnhanceYourCalm)
	if n := served.Load(); n > 11 {
		t.Fatalf("%d handlers started; the 11th reset should have ended the connection", n)
	}
}

// MadeYouReset (CVE-2025-8671): frames that make the server reset streams
// whose handlers are running (here WINDOW_UPDATE 0, a stream error) count
// against the same budget.
func TestMadeYouReset(t *testing.T) {
	rc := startRaw(t, &Config{Limits: Limits{MaxResets: 10}}, HandlerFunc(func(s *Stream) { <-s.Done() }))
	for id := uint32(1); id < 2*30; id += 2 {
		rc.request(id, "GET", "/", true)
		rc.write(AppendWindowUpdate(nil, id, 0))
	}
	rc.expectGoAway(ErrCodeEnhanceYourCalm)
}

// Handlers still running for reset streams hold their concurrency slot, so
// resets cannot make the server run unbounded handlers.
func TestResetStreamsKeepHandlerSlots(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	rc := startRaw(t, &Config{Limits: Limits{MaxConcurrentStreams: 2}}, HandlerFunc(func(s *Stream) {
		<-release // ignores Done on purpose
	}))
	rc.request(1, "GET", "/", true)
	rc.request(3, "GET", "/", true)
	rc.write(AppendRSTStream(nil, 1, ErrCodeCancel))
	rc.write(AppendRSTStream(nil, 3, ErrCodeCancel))
	rc.request(5, "GET", "/", true)
	rc.expectReset(5, ErrCodeRefusedStream)
}

// CONTINUATION flood (CVE-2024-27316): a field block that never ends is
// bounded in frames and in octets before anything is decoded.
func TestContinuationFlood(t *testing.T) {
	t.Run("frames", func(t *testing.T) {
		rc := startRaw(t, &Config{Limits: Limits{MaxContinuationFrames: 8}}, helloHandler)
		rc.write(raw(FrameHeaders, 0, 1, rc.requestBlock("GET", "/")))
		for i := 0; i < 20; i++ {
			rc.write(raw(FrameContinuation, 0, 1, []byte{0x40, 1, 'x', 1, 'y'})) // x: y, indexed
		}
		rc.expectGoAway(ErrCodeEnhanceYourCalm)
	})
	t.Run("octets", func(t *testing.T) {
		rc := startRaw(t, &Config{Limits: Limits{MaxHeaderBlockSize: 40 << 10}}, helloHandler)
		rc.write(raw(FrameHeaders, 0, 1, rc.requestBlock("GET", "/")))
		frag := []byte{0x00, 0x01, 'x', 0x7f, 0x81, 0x7f} // literal x: <16 KiB-ish value>, truncated across frames
		frag = append(frag, make([]byte, minMaxFrameSize-len(frag))...)
		for i := 0; i < 5; i++ {
			rc.write(raw(FrameContinuation, 0, 1, frag))
		}
		rc.expectGoAway(ErrCodeEnhanceYourCalm)
	})
}

// HPACK bomb: a small field block that decodes to a huge header list (one
// large field indexed once, then referenced by one-octet indexes) is
// answered 431 once the decoded size passes Limits.MaxHeaderListSize, and
// the connection goes on.
func TestHPACKBomb(t *testing.T) {
	rc := startRaw(t, &Config{Limits: Limits{MaxHeaderListSize: 16 << 10}}, helloHandler)
	big := strings.Repeat("b", 3000)
	extra := []string{}
	for i := 0; i < 100; i++ {
		extra = append(extra, "x-bomb", big)
	}
	block := rc.requestBlock("GET", "/", extra...)
	if len(block) > 4000 {
		t.Fatalf("test block is %d octets; the encoder did not index the field", len(block))
	}
	rc.write(AppendHeaders(nil, 1, true, block, minMaxFrameSize))
	if status, _ := rc.response(1); status != "431" {
		t.Fatalf("status %q, want 431", status)
	}
	rc.request(3, "GET", "/next", true)
	if status, body := rc.response(3); status != "200" || body != "hello /next" {
		t.Fatalf("%q %q", status, body)
	}
}

// Empty DATA frames (no data, no END_STREAM) cost the server work and the
// client nothing: above Limits.MaxEmptyFrames per interval the connection
// ends. Empty HEADERS/CONTINUATION fragments count too.
func TestEmptyFrameFlood(t *testing.T) {
	t.Run("data", func(t *testing.T) {
		rc := startRaw(t, &Config{Limits: Limits{MaxEmptyFrames: 5}}, HandlerFunc(func(s *Stream) { <-s.Done() }))
		rc.request(1, "POST", "/", false)
		for i := 0; i < 10; i++ {
			rc.write(AppendData(nil, 1, false, nil))
		}
		rc.expectGoAway(ErrCodeEnhanceYourCalm)
	})
	t.Run("continuation", func(t *testing.T) {
		rc := startRaw(t, &Config{Limits: Limits{MaxEmptyFrames: 5}}, helloHandler)
		rc.write(raw(FrameHeaders, 0, 1, nil))
		for i := 0; i < 10; i++ {
			rc.write(raw(FrameContinuation, 0, 1, nil))
		}
		rc.expectGoAway(ErrCodeEnhanceYourCalm)
	})
}

// PING and SETTINGS floods from a client that never reads: the answers
// pile up unsent; above Limits.MaxQueuedControlFrames the connection ends
// with ENHANCE_YOUR_CALM instead of buffering without bound.
func TestControlFrameFlood(t *testing.T) {
	frames := map[string][]byte{
		"ping":     AppendPing(nil, false, [8]byte{}),
		"settings": AppendSettings(nil, Setting{SettingMaxFrameSize, 1 << 15}),
	}
	for name, frame := range frames {
		t.Run(name, func(t *testing.T) {
			client, server := net.Pipe() // unbuffered: the server's writer blocks at once
			sc := NewServerConn(server, &Config{WriteTimeout: 200 * time.Millisecond, Limits: Limits{MaxQueuedControlFrames: 50}}, helloHandler)
			done := make(chan error, 1)
			go func() { done <- sc.Serve(ServeOptions{}) }()
			go func() {
				client.Write([]byte(ClientPreface))
				client.Write(AppendSettings(nil))
				for i := 0; i < 1000; i++ {
					if _, err := client.Write(frame); err != nil {
						return
					}
				}
			}()
			select {
			case err := <-done:
				var ce ConnError
				if !errors.As(err, &ce) || ce.Code != ErrCodeEnhanceYourCalm {
					t.Fatalf("Serve: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("flood not stopped")
			}
			client.Close()
		})
	}
}

// A client that never opens the stream window: the handler's writes stop
// at Limits.StreamWriteBuffer octets buffered, and fail once the stream is
// reset.
func TestZeroWindowBoundsBuffering(t *testing.T) {
	var written atomic.Int64
	writeErr := make(chan error, 1)
	rc := startRaw(t, &Config{Limits: Limits{StreamWriteBuffer: 4096}}, HandlerFunc(func(s *Stream) {
		chunk := make([]byte, 1024)
		for i := 0; i < 1024; i++ {
			if _, err := s.Write(chunk); err != nil {
				writeErr <- err
				return
			}
			written.Add(1024)
		}
		writeErr <- nil
	}))
	rc.write(AppendSettings(nil, Setting{SettingInitialWindowSize, 0}))
	rc.request(1, "GET", "/", true)
	rc.until(FrameHeaders, 1)
	time.Sleep(200 * time.Millisecond)
	if n := written.Load(); n > 4096 {
		t.Fatalf("handler wrote %d octets into a zero window; the bound is 4096", n)
	}
	rc.write(AppendRSTStream(nil, 1, ErrCodeCancel))
	select {
	case err := <-writeErr:
		if !errors.Is(err, ErrStreamReset) {
			t.Fatalf("Write after reset: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Write still blocked after the reset")
	}
}

// A window that stays shut past WriteTimeout: the stalled stream is reset
// (CANCEL) and its handler's Write fails, while the connection lives on.
func TestZeroWindowStallTimeout(t *testing.T) {
	writeErr := make(chan error, 1)
	rc := startRaw(t, &Config{WriteTimeout: 200 * time.Millisecond, Limits: Limits{StreamWriteBuffer: 4096}}, HandlerFunc(func(s *Stream) {
		if s.Pseudo().Path != "/stall" {
			s.Write([]byte("ok"))
			return
		}
		chunk := make([]byte, 1024)
		for i := 0; i < 1024; i++ {
			if _, err := s.Write(chunk); err != nil {
				writeErr <- err
				return
			}
		}
		writeErr <- nil
	}))
	rc.write(AppendSettings(nil, Setting{SettingInitialWindowSize, 0}))
	rc.request(1, "GET", "/stall", true)
	rc.expectReset(1, ErrCodeCancel)
	select {
	case err := <-writeErr:
		if !errors.Is(err, ErrStreamReset) || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("Write: %v, want a stream reset that is a timeout", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("handler still blocked")
	}
	rc.write(AppendSettings(nil, Setting{SettingInitialWindowSize, 1 << 16}))
	rc.request(3, "GET", "/", true)
	if status, body := rc.response(3); status != "200" || body != "ok" {
		t.Fatalf("%q %q", status, body)
	}
}

// A field block trickled frame by frame (HEADERS without END_HEADERS,
// then CONTINUATION now and then), or a HEADERS frame trickled byte by
// byte, is bounded by HeaderTimeout from its HEADERS frame, as an HTTP/1 head is by the server's ReadHeader, not by
// the idle timeout: every frame arrives well within it, and a stream
// open on the connection keeps it from being idle. A block that arrives
// whole in time opens its stream and the connection goes on.
func TestHeaderBlockTimeout(t *testing.T) {
	const timeout = 300 * time.Millisecond
	cfg := func() *Config {
		return &Config{HeaderTimeout: timeout, IdleTimeout: 20 * time.Second, WriteTimeout: 20 * time.Second}
	}
	trickle := func(t *testing.T, rc *rawClient, id uint32) (time.Duration, error) {
		// A field of its own, so that HPACK cannot index the block away.
		block := rc.requestBlock("GET", "/", "x-pad", fmt.Sprint(id, strings.Repeat("p", 100)))
		start := time.Now()
		rc.write(raw(FrameHeaders, FlagEndStream, id, block[:1]))
		for _, b := range block[1:] { // a byte every 50 ms, never END_HEADERS in time
			time.Sleep(50 * time.Millisecond)
			if _, err := rc.nc.Write(raw(FrameContinuation, 0, id, []byte{b})); err != nil {
				return time.Since(start), err
			}
		}
		t.Fatalf("the block (%d bytes) was trickled whole", len(block))
		return 0, nil
	}
	// trickleFrame sends one HEADERS frame with END_HEADERS whose payload
	// comes a byte every 50 ms.
	trickleFrame := func(t *testing.T, rc *rawClient, id uint32) (time.Duration, error) {
		block := rc.requestBlock("GET", "/", "x-pad", fmt.Sprint(id, strings.Repeat("p", 100)))
		frame := raw(FrameHeaders, FlagEndHeaders|FlagEndStream, id, block)
		start := time.Now()
		rc.write(frame[:frameHeaderLen+1])
		for _, b := range frame[frameHeaderLen+1:] {
			time.Sleep(50 * time.Millisecond)
			if _, err := rc.nc.Write([]byte{b}); err != nil {
				return time.Since(start), err
			}
		}
		t.Fatalf("the frame (%d bytes) was trickled whole", len(frame))
		return 0, nil
	}
	for _, tc := range []struct {
		name    string
		open    bool // a stream is open meanwhile (the stall check's deadline)
		trickle func(*testing.T, *rawClient, uint32) (time.Duration, error)
	}{
		{"CONTINUATION/idle connection", false, trickle},
		{"CONTINUATION/stream open", true, trickle},
		{"HEADERS payload/idle connection", false, trickleFrame},
		{"HEADERS payload/stream open", true, trickleFrame},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hold := make(chan struct{})
			rc := startRaw(t, cfg(), HandlerFunc(func(s *Stream) {
				if s.Pseudo().Path == "/hold" {
					<-hold
				}
				helloHandler.ServeStream(s)
			}))
			release := sync.OnceFunc(func() { close(hold) })
			t.Cleanup(release) // before startRaw's, which waits for the handlers
			if tc.open {
				rc.request(1, "GET", "/hold", true)
			}
			d, _ := tc.trickle(t, rc, 3)
			release() // Serve returns once the handlers have
			if d > timeout+2*time.Second {
				t.Fatalf("the connection lasted %v, want about %v", d, timeout)
			}
			select {
			case err := <-rc.done:
				if !errors.Is(err, errHeaderTimeout) {
					t.Fatalf("Serve: %v, want errHeaderTimeout", err)
				}
				rc.done <- err // for the cleanup
			case <-time.After(5 * time.Second):
				t.Fatal("Serve did not end")
			}
		})
	}
	t.Run("whole in time", func(t *testing.T) {
		rc := startRaw(t, cfg(), helloHandler)
		block := rc.requestBlock("GET", "/")
		rc.write(raw(FrameHeaders, FlagEndStream, 1, block[:2]))
		time.Sleep(timeout / 3)
		rc.write(raw(FrameContinuation, FlagEndHeaders, 1, block[2:]))
		if status, body := rc.response(1); status != "200" || body == "" {
			t.Fatalf("response %s %q", status, body)
		}
		time.Sleep(timeout * 2) // the block's deadline is gone with it
		frame := raw(FrameHeaders, FlagEndHeaders|FlagEndStream, 3, rc.requestBlock("GET", "/two"))
		rc.write(frame[:frameHeaderLen+1]) // a frame in two parts
		time.Sleep(timeout / 3)
		rc.write(frame[frameHeaderLen+1:])
		if status, _ := rc.response(3); status != "200" {
			t.Fatalf("second response %s", status)
		}
		time.Sleep(timeout * 2)
		rc.request(5, "GET", "/", true)
		if status, _ := rc.response(5); status != "200" {
			t.Fatalf("third response %s", status)
		}
	})
}
