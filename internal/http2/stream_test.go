package http2

import (
	"errors"
	"fmt"
	"os"
	"testing"
	"time"
)

// Frames that break the stream state machine of RFC 9113 §5.1.
func TestStreamStateViolations(t *testing.T) {
	waitHandler := HandlerFunc(func(s *Stream) { <-s.Done() })
	type want struct {
		goAway bool // connection error, else RST_STREAM on stream 1
		code   ErrCode
	}
	tests := []struct {
		name string
		send func(rc *rawClient)
		want want
	}{
		{"idle: DATA §5.1", func(rc *rawClient) { rc.write(AppendData(nil, 1, false, []byte("x"))) }, want{true, ErrCodeProtocol}},
		{"idle: RST_STREAM §6.4", func(rc *rawClient) { rc.write(AppendRSTStream(nil, 1, ErrCodeCancel)) }, want{true, ErrCodeProtocol}},
		{"idle: WINDOW_UPDATE §5.1", func(rc *rawClient) { rc.write(AppendWindowUpdate(nil, 1, 10)) }, want{true, ErrCodeProtocol}},
		{"idle: CONTINUATION §6.10", func(rc *rawClient) { rc.write(raw(FrameContinuation, FlagEndHeaders, 1, nil)) }, want{true, ErrCodeProtocol}},
		{"even stream §5.1.1", func(rc *rawClient) { rc.request(2, "GET", "/", true) }, want{true, ErrCodeProtocol}},
		{"lower stream id §5.1.1", func(rc *rawClient) {
			rc.request(5, "GET", "/", true)
			rc.request(3, "GET", "/", true)
		}, want{true, ErrCodeStreamClosed}},
		{"half-closed (remote): DATA §5.1", func(rc *rawClient) {
			rc.request(1, "GET", "/", true)
			rc.write(AppendData(nil, 1, true, []byte("x")))
		}, want{false, ErrCodeStreamClosed}},
		{"half-closed (remote): HEADERS §5.1", func(rc *rawClient) {
			rc.request(1, "GET", "/", true)
			rc.request(1, "GET", "/", true)
		}, want{false, ErrCodeStreamClosed}},
		{"closed after RST_STREAM: DATA §5.1", func(rc *rawClient) {
			rc.request(1, "POST", "/", false)
			rc.write(AppendRSTStream(nil, 1, ErrCodeCancel))
			rc.write(AppendData(nil, 1, true, []byte("x")))
		}, want{false, ErrCodeStreamClosed}},
		{"closed after RST_STREAM: HEADERS §5.1", func(rc *rawClient) {
			rc.request(1, "POST", "/", false)
			rc.write(AppendRSTStream(nil, 1, ErrCodeCancel))
			rc.request(1, "GET", "/", true)
		}, want{true, ErrCodeStreamClosed}},
		{"depends on itself: HEADERS §5.3.1", func(rc *rawClient) {
			b := rc.requestBlock("GET", "/")
			rc.write(raw(FrameHeaders, FlagEndHeaders|FlagEndStream|FlagPriority, 1, append([]byte{0, 0, 0, 1, 16}, b...)))
		}, want{false, ErrCodeProtocol}},
		{"depends on itself: PRIORITY §5.3.1", func(rc *rawClient) {
			rc.write(raw(FramePriority, 0, 1, []byte{0, 0, 0, 1, 16}))
		}, want{false, ErrCodeProtocol}},
		{"PRIORITY of the wrong size on an idle stream §6.3, §6.4", func(rc *rawClient) {
			rc.write(raw(FramePriority, 0, 1, []byte{0, 0, 0, 3}))
		}, want{true, ErrCodeFrameSize}},
		{"PRIORITY of the wrong size on an open stream §6.3", func(rc *rawClient) {
			rc.request(1, "GET", "/", true)
			rc.write(raw(FramePriority, 0, 1, []byte{0, 0, 0, 3}))
		}, want{false, ErrCodeFrameSize}},
		{"WINDOW_UPDATE 0 on a stream §6.9", func(rc *rawClient) {
			rc.request(1, "GET", "/", true)
			rc.write(AppendWindowUpdate(nil, 1, 0))
		}, want{false, ErrCodeProtocol}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := startRaw(t, nil, waitHandler)
			tt.send(rc)
			if tt.want.goAway {
				rc.expectGoAway(tt.want.code)
			} else {
				rc.expectReset(1, tt.want.code)
			}
		})
	}
}

// PRIORITY frames are accepted on idle and closed streams and ignored.
func TestPriorityIgnored(t *testing.T) {
	rc := startRaw(t, nil, helloHandler)
	rc.write(raw(FramePriority, 0, 9, []byte{0, 0, 0, 3, 16}))
	rc.request(1, "GET", "/a", true)
	if status, body := rc.response(1); status != "200" || body != "hello /a" {
		t.Fatalf("%q %q", status, body)
	}
	rc.write(raw(FramePriority, 0, 1, []byte{0, 0, 0, 3, 16}))
	rc.request(3, "GET", "/b", true)
	if status, _ := rc.response(3); status != "200" {
		t.Fatalf("%q", status)
	}
}

// SETTINGS_MAX_CONCURRENT_STREAMS: one stream more is refused (RFC 9113
// §5.1.2), and a slot frees when a stream closes.
func TestMaxConcurrentStreams(t *testing.T) {
	release := make(chan struct{})
	rc := startRaw(t, &Config{Limits: Limits{MaxConcurrentStreams: 2}}, HandlerFunc(func(s *Stream) {
		if s.Pseudo().Path == "/wait" {
			select {
			case <-release:
			case <-s.Done():
			}
		}
		s.WriteHeaders(204, nil, true)
	}))
	rc.request(1, "GET", "/wait", true)
	rc.request(3, "GET", "/wait", true)
	rc.request(5, "GET", "/wait", true)
	rc.expectReset(5, ErrCodeRefusedStream)
	close(release)
	if st, _ := rc.response(1); st != "204" {
		t.Fatal(st)
	}
	rc.response(3)
	rc.request(7, "GET", "/", true)
	if st, _ := rc.response(7); st != "204" {
		t.Fatalf("after slots freed: %q", st)
	}
}

// A Read waiting for body past the read deadline fails with
// os.ErrDeadlineExceeded, as on a net.Conn; so does a Write after the
// write deadline. The stream lives on: the handler still answers.
func TestStreamDeadlines(t *testing.T) {
	rc := startRaw(t, nil, HandlerFunc(func(s *Stream) {
		s.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		_, rerr := s.Read(make([]byte, 8))
		s.SetReadDeadline(time.Time{})
		s.WriteHeaders(200, nil, false)
		s.Write([]byte(fmt.Sprint(errors.Is(rerr, os.ErrDeadlineExceeded))))
		s.SetWriteDeadline(time.Now().Add(-time.Second))
		_, werr := s.Write([]byte("x"))
		s.SetWriteDeadline(time.Time{})
		s.Write([]byte(fmt.Sprint(" ", errors.Is(werr, os.ErrDeadlineExceeded))))
	}))
	rc.request(1, "POST", "/", false) // the body never comes
	if status, body := rc.response(1); status != "200" || body != "true true" {
		t.Fatalf("%s %q", status, body)
	}
}
