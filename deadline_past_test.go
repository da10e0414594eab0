package httpserver

import (
	"errors"
	"io"
	"os"
	"testing"
	"time"
)

// TestDeadlinePastFailsAtOnce: on every engine, a hijacked connection's
// Read and Write called with their deadline already past fail at once
// with os.ErrDeadlineExceeded, as a net.Conn's do, even though the
// client's bytes are waiting and the socket has room. HTTP/1.1 modes
// only: HTTP/2 has no Hijack.
func TestDeadlinePastFailsAtOnce(t *testing.T) {
	forEachMode(t, h1Modes, func(t *testing.T, m testMode, start modeStart) {
		type result struct {
			rn, wn     int
			rerr, werr error
		}
		results := make(chan result, 1)
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			nc, _, err := NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				results <- result{}
				return
			}
			defer nc.Close()
			io.WriteString(nc, "ready")
			time.Sleep(100 * time.Millisecond) // the client's bytes arrive
			var res result
			nc.SetReadDeadline(time.Now().Add(-time.Second))
			res.rn, res.rerr = nc.Read(make([]byte, 16))
			nc.SetWriteDeadline(time.Now().Add(-time.Second))
			res.wn, res.werr = nc.Write([]byte("x"))
			results <- res
		}))
		c, _ := s.rawConn(t)
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
		if _, err := io.ReadFull(c, make([]byte, 5)); err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, "EXTRA")
		var res result
		select {
		case res = <-results:
		case <-time.After(5 * time.Second):
			t.Fatal("handler did not report")
		}
		if res.rn != 0 || !errors.Is(res.rerr, os.ErrDeadlineExceeded) {
			t.Errorf("Read past its deadline: %d, %v; want 0, os.ErrDeadlineExceeded", res.rn, res.rerr)
		}
		if res.wn != 0 || !errors.Is(res.werr, os.ErrDeadlineExceeded) {
			t.Errorf("Write past its deadline: %d, %v; want 0, os.ErrDeadlineExceeded", res.wn, res.werr)
		}
	})
}
