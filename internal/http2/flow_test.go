package http2

import "testing"

func TestSendWindow(t *testing.T) {
	tests := []struct {
		start, delta int64
		ok           bool
		avail        int64
	}{
		{initialWindow, 100, true, initialWindow + 100},
		{initialWindow, maxWindow - initialWindow, true, maxWindow},
		{initialWindow, maxWindow - initialWindow + 1, false, initialWindow},
		{100, -300, true, 0}, // §6.9.2: may go negative
	}
	for _, tt := range tests {
		w := sendWindow{n: tt.start}
		if ok := w.add(tt.delta); ok != tt.ok || w.avail() != tt.avail {
			t.Errorf("%d+%d: ok=%v avail=%d, want %v %d", tt.start, tt.delta, ok, w.avail(), tt.ok, tt.avail)
		}
	}
}

func TestRecvWindow(t *testing.T) {
	w := newRecvWindow(1000)
	if !w.receive(1000) || w.receive(1) {
		t.Fatal("window of 1000 must take exactly 1000")
	}
	if inc := w.consume(400); inc != 0 {
		t.Fatalf("update after 400 of 1000: %d, want none before half", inc)
	}
	if inc := w.consume(100); inc != 500 {
		t.Fatalf("update after 500 of 1000: %d, want 500", inc)
	}
	if !w.receive(500) || w.receive(1) {
		t.Fatal("the update must reopen exactly 500")
	}
}

// SETTINGS_INITIAL_WINDOW_SIZE changes every open stream's window (RFC 9113
// §6.9.2): a stream stalled on a zero window resumes when it grows.
func TestInitialWindowChangeAppliesToOpenStreams(t *testing.T) {
	rc := startRaw(t, nil, HandlerFunc(func(s *Stream) {
		s.WriteHeaders(200, nil, false)
		s.Write([]byte("0123456789"))
	}))
	rc.write(AppendSettings(nil, Setting{SettingInitialWindowSize, 0}))
	rc.request(1, "GET", "/", true)
	if ev := rc.until(FrameHeaders, 1); ev.status != "200" {
		t.Fatalf("status %q", ev.status)
	}
	rc.write(AppendSettings(nil, Setting{SettingInitialWindowSize, 4}))
	ev := rc.until(FrameData, 1)
	if ev.data != "0123" {
		t.Fatalf("after the window grew to 4: %q", ev.data)
	}
	rc.write(AppendWindowUpdate(nil, 1, 100))
	if ev := rc.until(FrameData, 1); ev.data != "456789" || !ev.end {
		t.Fatalf("after WINDOW_UPDATE: %+v", ev)
	}
}

func TestWindowOverflow(t *testing.T) {
	t.Run("connection §6.9.1", func(t *testing.T) {
		rc := startRaw(t, nil, helloHandler)
		rc.write(AppendWindowUpdate(nil, 0, maxWindow))
		rc.expectGoAway(ErrCodeFlowControl)
	})
	t.Run("stream §6.9.1", func(t *testing.T) {
		rc := startRaw(t, nil, HandlerFunc(func(s *Stream) { <-s.Done() }))
		rc.request(1, "GET", "/", true)
		rc.write(AppendWindowUpdate(nil, 1, maxWindow))
		rc.expectReset(1, ErrCodeFlowControl)
	})
	t.Run("settings pushes a stream over §6.9.2", func(t *testing.T) {
		rc := startRaw(t, nil, HandlerFunc(func(s *Stream) { <-s.Done() }))
		rc.request(1, "GET", "/", true)
		rc.write(AppendWindowUpdate(nil, 1, maxWindow-initialWindow))
		rc.write(AppendSettings(nil, Setting{SettingInitialWindowSize, initialWindow + 1}))
		rc.expectGoAway(ErrCodeFlowControl)
	})
	t.Run("data beyond the stream window", func(t *testing.T) {
		cfg := &Config{Limits: Limits{StreamWindow: 16}}
		rc := startRaw(t, cfg, HandlerFunc(func(s *Stream) { <-s.Done() }))
		rc.write(AppendSettingsAck(nil))
		rc.request(1, "POST", "/", false)
		rc.write(AppendData(nil, 1, false, make([]byte, 17)))
		rc.expectReset(1, ErrCodeFlowControl)
	})
	t.Run("a small stream window applies from the SETTINGS ACK §6.9.2", func(t *testing.T) {
		cfg := &Config{Limits: Limits{StreamWindow: 16}}
		rc := startRaw(t, cfg, helloHandler)
		rc.request(1, "POST", "/", false)
		rc.write(AppendData(nil, 1, true, make([]byte, 1000)))
		if status, _ := rc.response(1); status != "200" {
			t.Fatalf("status %q", status)
		}
	})
}
