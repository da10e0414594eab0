package http2

import (
	"testing"
	"time"
)

// A handler that keeps its Stream after returning: under -race every use
// panics with ErrUsedAfterReturn and kept strings read as NULs; in normal
// builds the Stream is pooled and the misuse goes unnoticed (the contract
// on Handler says so).
func TestStreamKeptAfterReturn(t *testing.T) {
	kept := make(chan *Stream, 1)
	var keptPath string
	rc := startRaw(t, nil, HandlerFunc(func(s *Stream) {
		keptPath = s.Pseudo().Path
		kept <- s
	}))
	rc.request(1, "GET", "/kept", true)
	rc.response(1)
	s := <-kept
	// The stream is released once the writer has sent END_STREAM and the
	// handler has returned; wait for that.
	deadline := time.Now().Add(5 * time.Second)
	for !s.released.Load() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	uses := map[string]func(){
		"Pseudo":  func() { s.Pseudo() },
		"Header":  func() { s.Header() },
		"Write":   func() { s.Write([]byte("x")) },
		"Read":    func() { s.Read(make([]byte, 1)) },
		"Done":    func() { s.Done() },
		"Reset":   func() { s.Reset(ErrCodeCancel) },
		"Headers": func() { s.WriteHeaders(200, nil, true) },
	}
	if !raceEnabled {
		// In a normal build the pooled Stream may already serve another
		// request; calling it would act on that one. Nothing to check.
		return
	}
	for name, use := range uses {
		func() {
			defer func() {
				if p := recover(); p != ErrUsedAfterReturn {
					t.Errorf("%s after return: recovered %v, want ErrUsedAfterReturn", name, p)
				}
			}()
			use()
		}()
	}
	if keptPath != "\x00\x00\x00\x00\x00" {
		t.Errorf("kept :path reads %q after return, want NULs under -race", keptPath)
	}
}
