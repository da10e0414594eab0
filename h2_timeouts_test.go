package httpserver

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/rawsock/httpserver/internal/http2"
)

// TestH2ResponseCutByDeadline: on HTTP/2, Timeouts.Response caps the
// response as on HTTP/1 (the handler's Write fails with the
// ResponseAbortedError of the response timeout), and a deadline the
// handler set wins over it; either way a response cut short is reset
// (RST_STREAM CANCEL), never ended as if complete. The client opens no
// stream window, so the response stalls after 64 KiB.
func TestH2ResponseCutByDeadline(t *testing.T) {
	for _, tc := range []struct {
		name     string
		own      time.Duration // the handler's write deadline, if any
		response time.Duration // Timeouts.Response
		reason   string        // of the ResponseAbortedError, "" for a plain deadline error
	}{
		{"Timeouts.Response", 0, 300 * time.Millisecond, "response timeout: not sent within 300ms"},
		{"handler deadline wins", 300 * time.Millisecond, time.Minute, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forEachMode(t, h2Modes, func(t *testing.T, m testMode, start modeStart) {
				t.Parallel()
				res := make(chan error, 1)
				s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
					if tc.own > 0 {
						NewResponseController(w).SetWriteDeadline(time.Now().Add(tc.own))
					}
					chunk := make([]byte, 64<<10)
					var err error
					for i := 0; i < 1000 && err == nil; i++ { // up to 64 MiB
						_, err = w.Write(chunk)
					}
					res <- err
				}), func(s *Server) {
					s.Timeouts.Write = time.Minute // not the one that cuts
					s.Timeouts.Response = tc.response
				})
				k := newH2RawClientOn(t, s.dial(t), "/")
				var err error
				select {
				case err = <-res:
				case <-time.After(5 * time.Second):
					t.Fatal("the response was not cut")
				}
				var ae *ResponseAbortedError
				if !errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ae) != (tc.reason != "") || ae != nil && ae.Reason != tc.reason {
					t.Fatalf("handler got %v, want a timeout (reason %q)", err, tc.reason)
				}
				k.nc.SetReadDeadline(time.Now().Add(3 * time.Second)) // well before Timeouts.Write
				for {
					f, err := k.fr.ReadFrame()
					if err != nil {
						t.Fatalf("no RST_STREAM: %v", err)
					}
					if f.StreamID != 1 {
						continue
					}
					if f.Type == http2.FrameRSTStream {
						if f.ErrCode != http2.ErrCodeCancel {
							t.Fatalf("RST_STREAM %v, want CANCEL", f.ErrCode)
						}
						return
					}
					if f.Flags.Has(http2.FlagEndStream) {
						t.Fatalf("the cut response was ended as complete (%v frame with END_STREAM)", f.Type)
					}
				}
			})
		})
	}
}
