package httpserver

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// partialHeadEcho answers with what it parsed of the request head.
var partialHeadEcho = HandlerFunc(func(w ResponseWriter, r *Request) {
	fmt.Fprintf(w, "%s %s %s|%s|%s", r.Method, r.Target, r.Proto, r.Host, r.Header.Get("X-Trickle"))
})

// onlyConn returns the one connection s tracks, or nil.
func onlyConn(s *Server) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns.len() != 1 {
		return nil
	}
	c, _ := s.conns.at(0).(*conn)
	return c
}

// parkedWith waits until the one epoll connection of s is parked with a
// partial head of want bytes, and fails the test unless it then holds
// those bytes and no connIO. It looks at a parked connection as the event
// loop's sweep does: it claims it (stateIdle to stateActive), so that the
// loop cannot read into it meanwhile, and gives it back with armRead,
// which reads any input that arrived while it held it.
func parkedWith(t *testing.T, s *Server, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c := onlyConn(s)
		if c != nil && c.state.CompareAndSwap(stateIdle, stateActive) {
			held, buffered := c.connIO != nil, -1
			if held {
				buffered = c.rend - c.rpos
			}
			got, kept := "", c.partial != nil
			if kept {
				got = string(c.partial.b)
			}
			if !c.state.CompareAndSwap(stateActive, stateIdle) {
				t.Fatal("the connection was closed while the test held it")
			}
			c.socket().(eventSource).armRead()
			if held {
				t.Fatalf("parked with a %d-byte partial head (%d bytes buffered), the connection holds its connIO (%d-byte read buffer)", len(want), buffered, readBufferSize)
			}
			if kept && got == want {
				return
			}
			if kept && len(got) >= len(want) {
				t.Fatalf("partial head %q, want %q", got, want)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("connection not parked with the %d-byte partial head %q", len(want), want)
		}
		time.Sleep(time.Millisecond)
	}
}

// readEcho reads one response from br and returns its status and body.
func readEcho(t *testing.T, br *bufio.Reader) (int, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	defer resp.Body.Close()
	var sb strings.Builder
	if _, err := bufio.NewReader(resp.Body).WriteTo(&sb); err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	return resp.StatusCode, sb.String()
}

// TestEpollPartialHeadHoldsNoBuffers: an epoll connection parked in the
// middle of a request head holds the bytes that arrived, not its connIO
// (a 4 KiB read buffer, a write buffer and an exchange), after each piece
// of a head trickled in pieces of one to a few hundred bytes; past the
// read buffer's size the head goes to a worker, which grows the buffer,
// and every head is served as if sent whole, on the same connection.
func TestEpollPartialHeadHoldsNoBuffers(t *testing.T) {
	if !slices.Contains(engines, EngineEpoll) {
		t.Skip("no epoll engine here")
	}
	ts := startServer(t, partialHeadEcho, withEngine(EngineEpoll))
	nc, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReader(nc)
	tests := []struct {
		name  string
		value int // bytes of the X-Trickle value
		piece int // bytes sent at a time
	}{
		{"a byte at a time", 40, 1},
		{"past the pooled partial size", 600, 37},
		{"past the read buffer", 6000, 500},
	}
	for _, tt := range tests {
		value := strings.Repeat("v", tt.value)
		head := "GET /trickle?x=1 HTTP/1.1\r\nHost: h\r\nX-Trickle: " + value + "\r\n\r\n"
		for sent := 0; sent < len(head); {
			next := min(sent+tt.piece, len(head))
			if _, err := nc.Write([]byte(head[sent:next])); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			sent = next
			if sent < len(head) && sent < readBufferSize {
				parkedWith(t, ts.Server, head[:sent])
			}
		}
		code, body := readEcho(t, br)
		if want := "GET /trickle?x=1 HTTP/1.1|h|" + value; code != 200 || body != want {
			t.Fatalf("%s: %d %.80q, want 200 %.80q", tt.name, code, body, want)
		}
	}
}

// TestPartialHeadSplitAtEveryByte: a request head split in two at every
// byte position, the second part sent once the server has read the
// first, parses as when sent whole, on every engine (on epoll the first
// part is parked as a partial head: checked).
func TestPartialHeadSplitAtEveryByte(t *testing.T) {
	const head = "POST /a/b?c=d HTTP/1.1\r\nHost: example.com\r\nX-Trickle: one, two\r\nContent-Length: 0\r\n\r\n"
	const want = "POST /a/b?c=d HTTP/1.1|example.com|one, two"
	forEachEngine(t, func(t *testing.T, start func(h Handler, configure ...func(*Server)) *testServer) {
		ts := start(partialHeadEcho)
		nc, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(60 * time.Second))
		br := bufio.NewReader(nc)
		for i := 1; i < len(head); i++ {
			if _, err := nc.Write([]byte(head[:i])); err != nil {
				t.Fatal(err)
			}
			if ts.Engine == EngineEpoll {
				parkedWith(t, ts.Server, head[:i])
			} else {
				time.Sleep(time.Millisecond)
			}
			if _, err := nc.Write([]byte(head[i:])); err != nil {
				t.Fatal(err)
			}
			if code, body := readEcho(t, br); code != 200 || body != want {
				t.Fatalf("split at %d: %d %q, want 200 %q", i, code, body, want)
			}
		}
	})
}

// TestPartialHeadTimeoutAnswers408: a connection stuck in a partial head
// (after a first request on it, and on a fresh one) is answered 408 when
// Timeouts.ReadHeader passes, on every engine; on epoll it holds no
// buffer while it waits.
func TestPartialHeadTimeoutAnswers408(t *testing.T) {
	forEachEngine(t, func(t *testing.T, start func(h Handler, configure ...func(*Server)) *testServer) {
		ts := start(partialHeadEcho, func(s *Server) { s.Timeouts.ReadHeader = 300 * time.Millisecond })
		for _, first := range []bool{false, true} {
			nc, err := net.Dial("tcp", ts.addr)
			if err != nil {
				t.Fatal(err)
			}
			nc.SetDeadline(time.Now().Add(10 * time.Second))
			br := bufio.NewReader(nc)
			if !first {
				nc.Write([]byte("GET / HTTP/1.1\r\nHost: h\r\n\r\n"))
				if code, _ := readEcho(t, br); code != 200 {
					t.Fatalf("first request: %d", code)
				}
			}
			const partial = "GET /slow HTTP/1.1\r\nHost: h\r\nX-Tri"
			nc.Write([]byte(partial))
			if ts.Engine == EngineEpoll {
				parkedWith(t, ts.Server, partial)
			}
			begin := time.Now()
			code, _ := readEcho(t, br)
			if code != StatusRequestTimeout {
				t.Fatalf("partial head (first request %v): %d, want 408", first, code)
			}
			if d := time.Since(begin); d > 5*time.Second {
				t.Fatalf("408 after %v", d)
			}
			nc.Close()
			waitFor(t, "the connection to be forgotten", func() bool { return ts.Stats().Conns == 0 })
		}
	})
}

// TestPartialHeadTrickleAllocations: a head that grows a byte per event
// costs its partialHead, and then only the geometric growth of its bytes:
// no allocation per byte.
func TestPartialHeadTrickleAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("race builds drop pooled objects at random")
	}
	const size = 3000
	c := &conn{evented: true}
	allocs := testing.AllocsPerRun(5, func() {
		for i := range size {
			c.borrowBuffers()
			if c.rend != i {
				t.Fatalf("borrowed back %d bytes, want %d", c.rend, i)
			}
			c.rbuf[c.rend] = 'a'
			c.rend++
			c.scanner.pos = c.rend
			c.keepPartialHead()
			if c.connIO != nil || len(c.partial.b) != i+1 || c.partial.scanner.pos != i+1 {
				t.Fatalf("after %d bytes: connIO %v, partial %d bytes, scanner at %d", i+1, c.connIO != nil, len(c.partial.b), c.partial.scanner.pos)
			}
		}
		c.releaseBuffers()
	})
	t.Logf("%v allocations to trickle a %d-byte head", allocs, size)
	if allocs > 20 {
		t.Errorf("%v allocations to trickle a %d-byte head, want at most 20", allocs, size)
	}
}
