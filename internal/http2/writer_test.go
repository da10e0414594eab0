package http2

import (
	"bytes"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rawsock/httpserver/internal/http2/hpack"
)

// countingConn counts the Write calls on the server's side of a
// connection.
type countingConn struct {
	net.Conn
	writes atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// TestWriterBatchesConcurrentResponses: when a client sends many requests
// at once, the writer lets the handlers still running queue their
// responses before it writes, so that one write (over TLS: one record
// batch, one system call) carries many small responses. Before, it wrote
// as soon as the first response was queued, and a 13-byte response cost
// about one write (0.8 per response under h2load -c16 -m32 over TLS,
// counted with perf; here the first rounds took one write per response).
func TestWriterBatchesConcurrentResponses(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	snc, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	cc := &countingConn{Conn: snc}
	sc := NewServerConn(cc, nil, benchHandler)
	done := make(chan error, 1)
	go func() { done <- sc.Serve(ServeOptions{}) }()
	t.Cleanup(func() { nc.Close(); sc.Close(); <-done })

	fr := NewFrameReader(nc, maxMaxFrameSize)
	nc.Write([]byte(ClientPreface))
	nc.Write(AppendSettings(nil))
	// Wait for the server's SETTINGS and the ACK of ours: the writes
	// counted from here are the responses'.
	for acked := false; !acked; {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		acked = f.Type == FrameSettings && f.Flags.Has(FlagAck)
	}

	const streams, rounds = 64, 5
	enc := hpack.NewEncoder()
	fields := []hpack.HeaderField{{Name: ":method", Value: "GET"}, {Name: ":scheme", Value: "http"}, {Name: ":authority", Value: "t"}, {Name: ":path", Value: "/"}}
	id := uint32(1)
	var total int64
	for r := 0; r < rounds; r++ {
		var out []byte
		for i := 0; i < streams; i++ {
			out = AppendHeaders(out, id, true, enc.AppendBlock(nil, fields...), minMaxFrameSize)
			id += 2
		}
		before := cc.writes.Load()
		if _, err := nc.Write(out); err != nil {
			t.Fatal(err)
		}
		for n := 0; n < streams; {
			f, err := fr.ReadFrame()
			if err != nil {
				t.Fatal(err)
			}
			if f.Type == FrameData && f.Flags.Has(FlagEndStream) {
				n++
			}
		}
		w := cc.writes.Load() - before
		t.Logf("round %d: %d responses in %d writes", r, streams, w)
		total += w
	}
	// The scheduler decides how many handlers have run by the time the
	// writer gathers again, so the bound is loose: at most one write per
	// four responses over all rounds.
	if total > streams*rounds/4 {
		t.Errorf("%d responses took %d writes, want at most %d", streams*rounds, total, streams*rounds/4)
	}
}

// TestLargeWriteLendsItsSlice: a Write the client's windows take whole,
// from lendMin on, is framed straight from the handler's slice (one copy,
// into the writer's batch) instead of being copied into the stream's
// buffer first; Write returns once the slice is framed, so the handler
// may reuse it at once, and smaller or window-bound writes are buffered
// as before. Before, every Write was copied into the stream's buffer,
// which grew to the write's size.
func TestLargeWriteLendsItsSlice(t *testing.T) {
	// 60,000 octets: within the default windows of 65,535.
	big := bytes.Repeat([]byte("0123456789"), 6000)
	small := []byte("tail")
	type result struct {
		n, afterBig, afterSmall int
		err                     error
	}
	got := make(chan result, 1)
	rc := startRaw(t, nil, HandlerFunc(func(s *Stream) {
		p := bytes.Clone(big)
		s.c.mu.Lock()
		s.out = nil // a pooled stream may bring a grown buffer
		s.c.mu.Unlock()
		s.WriteHeaders(200, nil, false)
		n, err := s.Write(p)
		s.c.mu.Lock()
		afterBig := cap(s.out)
		s.c.mu.Unlock()
		// p is the handler's again: what was sent must not change.
		for i := range p {
			p[i] = 'X'
		}
		s.Write(small)
		s.c.mu.Lock()
		afterSmall := cap(s.out)
		s.c.mu.Unlock()
		got <- result{n, afterBig, afterSmall, err}
	}))
	rc.request(1, "GET", "/", true)
	status, body := rc.response(1)
	r := <-got
	if status != "200" || body != string(big)+string(small) {
		t.Fatalf("response %s, %d bytes (want %d; intact: %v)", status, len(body), len(big)+len(small), strings.HasPrefix(body, string(big)))
	}
	if r.n != len(big) || r.err != nil {
		t.Errorf("Write: %d, %v", r.n, r.err)
	}
	if r.afterBig >= len(big) {
		t.Errorf("the stream copied a %d-octet write into its buffer (capacity %d)", len(big), r.afterBig)
	}
	if r.afterSmall < len(small) {
		t.Errorf("a small write was not buffered (capacity %d)", r.afterSmall)
	}
}
