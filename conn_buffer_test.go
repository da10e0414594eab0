package httpserver

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// segmentConn is a memConn whose reads stop at segment boundaries, as if
// each segment arrived in its own packet, and that records the size of
// the buffer each read was given.
type segmentConn struct {
	memConn
	segments [][]byte
	bufSizes []int
}

func (s *segmentConn) Read(p []byte) (int, error) {
	s.bufSizes = append(s.bufSizes, len(p))
	if s.in.Len() == 0 && len(s.segments) > 0 {
		s.in = bytes.NewReader(s.segments[0])
		s.segments = s.segments[1:]
	}
	return s.memConn.Read(p)
}

// TestGrownReadBufferShrinksWhenIdle: a request head larger than the read
// buffer grows it, but the connection waits for the next request with a
// buffer of the standard size again.
func TestGrownReadBufferShrinksWhenIdle(t *testing.T) {
	big := "GET /big HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 3*readBufferSize) + "\r\n\r\n"
	small := "GET /small HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
	sc := &segmentConn{memConn: memConn{in: bytes.NewReader(nil)}, segments: [][]byte{[]byte(big), []byte(small)}}
	s := &Server{Handler: HandlerFunc(func(w ResponseWriter, r *Request) { w.WriteString(r.Path) }), Logger: slog.New(slog.DiscardHandler)}
	s.init()
	c := newConn(s, sc)
	s.trackConn(c, true)
	c.serve()

	out := string(sc.output())
	if strings.Count(out, "HTTP/1.1 200 OK") != 2 || !strings.HasSuffix(out, "/small") {
		t.Fatalf("responses: %q", out)
	}
	grew, waitedSmall := false, false
	for _, n := range sc.bufSizes {
		if n > readBufferSize {
			grew = true
		} else if grew && n == readBufferSize {
			waitedSmall = true
		}
	}
	if !grew || !waitedSmall {
		t.Errorf("read buffer sizes %v: want growth past %d, then a wait with %d", sc.bufSizes, readBufferSize, readBufferSize)
	}
}
