package httpserver

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rawsock/httpserver/internal/http2"
	"github.com/rawsock/httpserver/internal/http2/hpack"
)

// TestH2HeaderListTooLargeReported: a request whose field list exceeds
// SETTINGS_MAX_HEADER_LIST_SIZE (from Limits.MaxHeaderBytes) is answered
// 431 by internal/http2 itself, before the adapter sees a request; it
// reaches Server.Rejected all the same, as its HTTP/1 counterpart does.
// net/http's client refuses to send such a request, so the frames are
// written by hand.
func TestH2HeaderListTooLargeReported(t *testing.T) {
	forEachMode(t, h2Modes, func(t *testing.T, m testMode, start modeStart) {
		got := make(chan string, 4)
		s := start(HandlerFunc(h2Echo), func(s *Server) {
			s.Limits.MaxHeaderBytes = 4096
			s.Rejected = func(rr *RejectedRequest) {
				got <- fmt.Sprintf("%d %s %v", rr.Status, rr.Proto, rr.Err)
			}
		})
		k := newH2RawClientOn(t, s.dial(t), "/")
		k.wait(1)
		block := hpack.NewEncoder().AppendBlock(nil,
			hpack.HeaderField{Name: ":method", Value: "GET"}, hpack.HeaderField{Name: ":scheme", Value: "http"},
			hpack.HeaderField{Name: ":authority", Value: "h2test"}, hpack.HeaderField{Name: ":path", Value: "/"},
			hpack.HeaderField{Name: "x-big", Value: strings.Repeat("v", 5000)})
		k.send(block, 1) // stream 3
		for {
			f, err := k.fr.ReadFrame()
			if err != nil {
				t.Fatal(err)
			}
			if f.StreamID == 3 && f.Type == http2.FrameRSTStream {
				t.Fatalf("stream reset %v, want a 431", f.ErrCode)
			}
			if f.StreamID == 3 && f.Type == http2.FrameHeaders && f.Flags.Has(http2.FlagEndStream) {
				break
			}
		}
		if g, want := receive(t, got), "431 HTTP/2.0 "+errHeaderTooLarge.Error(); g != want {
			t.Errorf("Rejected got %q, want %q", g, want)
		}
	})
}
