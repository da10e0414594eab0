package websocket

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/rawsock/httpserver"
)

// eventsEchoHandler accepts with AcceptEvents and echoes every message
// from OnMessage. closed, when not nil, receives OnClose's error.
func eventsEchoHandler(opts *AcceptOptions, closed chan<- error) httpserver.Handler {
	return httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		AcceptEvents(w, r, opts, EventHandler{
			OnMessage: func(c *EventConn, typ MessageType, msg []byte) {
				c.Write(context.Background(), typ, msg)
			},
			OnClose: func(c *EventConn, err error) {
				if closed != nil {
					closed <- err
				}
			},
		})
	})
}

// TestEventsConformanceInPieces: the conformance corpus against the
// event API with every script written in small pieces, so that headers,
// control frames and messages arrive split across events and are kept
// between them.
func TestEventsConformanceInPieces(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng httpserver.Engine) {
		addr := startServer(t, eng, eventsEchoHandler(&AcceptOptions{ReadLimit: testLim}, nil))
		for _, tc := range conformanceCases() {
			size := 0
			for _, f := range tc.send {
				size += len(f.data)
			}
			switch {
			case tc.split != 0:
			case size <= 4096:
				tc.split = 5
			default:
				tc.split = 1500
			}
			t.Run(tc.family+"/"+tc.name, func(t *testing.T) { runCase(t, addr, "", tc) })
		}
	})
}

// captureConn is a net.Conn that keeps what is written to it.
type captureConn struct {
	pipeConn
	mu     sync.Mutex
	out    bytes.Buffer
	closed bool
}

func (c *captureConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.Write(b)
}

func (c *captureConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return nil
}

// frames decodes the server's (unmasked) frames written so far.
func (c *captureConn) frames(t *testing.T) []frame {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []frame
	b := c.out.Bytes()
	for len(b) > 0 {
		h, size, _, err := parseHeader(b)
		if err != nil || size == 0 || int64(len(b)-size) < h.length {
			t.Fatalf("server wrote a bad frame: %v", err)
		}
		var rsv byte
		if h.rsv1 {
			rsv = rsv1Bit
		}
		out = append(out, frame{fin: h.fin, rsv: rsv, op: byte(h.op), data: b[size : size+int(h.length)]})
		b = b[size+int(h.length):]
	}
	return out
}

// newTestEventConn is an EventConn over a captureConn, fed by the test.
func newTestEventConn(opts *AcceptOptions, dp *deflateParams, onMessage func(*EventConn, MessageType, []byte)) (*EventConn, *captureConn) {
	cfg := opts.withDefaults()
	nc := &captureConn{}
	c := &EventConn{nc: nc, deflate: dp, level: int8(cfg.level), threshold: int32(cfg.threshold), closeTimeout: cfg.closeTimeout,
		h: EventHandler{OnMessage: onMessage}}
	c.readLimit.Store(cfg.readLimit)
	return c, nc
}

// TestEventsByteByByte plays every conformance script into an EventConn
// one byte per event: each header, control frame and message arrives in
// pieces and is kept between events. The messages delivered, the
// control frames and the close code written must be those of the
// script, and between messages nothing may stay held.
func TestEventsByteByByte(t *testing.T) {
	for _, tc := range conformanceCases() {
		t.Run(tc.family+"/"+tc.name, func(t *testing.T) {
			var got []frame
			c, nc := newTestEventConn(&AcceptOptions{ReadLimit: testLim}, nil, func(_ *EventConn, typ MessageType, msg []byte) {
				got = append(got, frame{op: byte(typ), data: bytes.Clone(msg)})
			})
			var wire []byte
			for _, f := range tc.send {
				wire = append(wire, f.encode(!f.masked)...)
			}
			in := (*eventInput)(c)
			arrived := 0
			for i := range wire {
				in.OnData(wire[i : i+1])
				arrived++
				if pt := c.part; pt != nil && (len(pt.buf) > arrived || len(pt.ctl) > maxControlPayload) || c.hdrN > maxHeaderSize {
					t.Fatalf("after %d bytes: %+v kept", arrived, pt)
				}
			}
			if tc.close == 0 && (c.part != nil || c.inFrame || c.inMessage || c.hdrN != 0) {
				t.Fatalf("state held between messages: part %+v, inFrame %v, inMessage %v, header bytes %d", c.part, c.inFrame, c.inMessage, c.hdrN)
			}
			in.OnClose(io.EOF)
			written := nc.frames(t)
			var controls []frame
			var code int = -1
			for _, f := range written {
				switch {
				case f.op == opCls:
					code = 1005
					if len(f.data) >= 2 {
						code = int(binary.BigEndian.Uint16(f.data))
					}
				case f.op >= 0x8:
					controls = append(controls, frame{op: f.op, data: f.data})
				}
			}
			var wantMsgs, wantCtl []frame
			for _, w := range tc.want {
				if w.op >= 0x8 {
					wantCtl = append(wantCtl, frame{op: w.op, data: w.data})
				} else {
					wantMsgs = append(wantMsgs, frame{op: w.op, data: w.data})
				}
			}
			if !sameFrames(got, wantMsgs) || !sameFrames(controls, wantCtl) {
				t.Fatalf("messages %d (want %d), control frames %d (want %d)", len(got), len(wantMsgs), len(controls), len(wantCtl))
			}
			switch {
			case tc.close != 0 && code != tc.close:
				t.Fatalf("close code %d, want %d", code, tc.close)
			case tc.close == 0 && code != -1:
				t.Fatalf("closed with %d, want no close", code)
			}
			if c.part != nil || c.more != nil && tc.close == 0 || c.inFrame || c.inMessage || c.hdrN != 0 {
				t.Fatalf("state held after the script: part %v, more %v, inFrame %v, inMessage %v, header bytes %d", c.part, c.more, c.inFrame, c.inMessage, c.hdrN)
			}
			if t := c.closeTimer.Load(); t != nil {
				t.Stop()
			}
		})
	}
}

func sameFrames(a, b []frame) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].op != b[i].op || !bytes.Equal(a[i].data, b[i].data) {
			return false
		}
	}
	return true
}

// startEventsServer serves h with engine eng and returns the server, so
// that the test can shut it down itself.
func startEventsServer(t *testing.T, eng httpserver.Engine, h httpserver.Handler, configure ...func(*httpserver.Server)) (*httpserver.Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httpserver.Server{Handler: h, Engine: eng, Logger: slog.New(slog.DiscardHandler)}
	for _, f := range configure {
		f(srv)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; err != httpserver.ErrServerClosed {
			t.Errorf("Serve: %v", err)
		}
	})
	return srv, ln.Addr().String()
}

// TestEventsShutdownGoingAway: the server's graceful Shutdown reaches
// connections accepted with AcceptEvents without a Group: each gets a
// close frame with 1001, and Shutdown returns once the clients answered
// (or, for a client that does not answer, once the CloseTimeout closed
// it), with nothing left open.
func TestEventsShutdownGoingAway(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng httpserver.Engine) {
		closed := make(chan error, 4)
		srv, addr := startEventsServer(t, eng, eventsEchoHandler(&AcceptOptions{CloseTimeout: 300 * time.Millisecond}, closed))
		var clients []*rawClient
		for range 3 {
			c := dialRaw(t, addr)
			c.send(txt("hello"))
			if _, _, msg := c.recvMessage(); string(msg) != "hello" {
				t.Fatalf("echo %q", msg)
			}
			clients = append(clients, c)
		}
		silent := clients[2]
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		shut := make(chan error, 1)
		start := time.Now()
		go func() { shut <- srv.Shutdown(ctx) }()
		for _, c := range clients[:2] {
			c.expectClose(1001)
		}
		f, err := silent.recv()
		if err != nil || f.op != opCls || binary.BigEndian.Uint16(f.data) != 1001 {
			t.Fatalf("silent client: %v, op %d", err, f.op)
		}
		if err := <-shut; err != nil {
			t.Fatalf("Shutdown: %v after %v", err, time.Since(start))
		}
		silent.expectEOF()
		if n := srv.Stats().Conns; n != 0 {
			t.Fatalf("%d connections left", n)
		}
		codes := map[StatusCode]int{}
		for range 3 {
			codes[CloseStatus(<-closed)]++
		}
		if codes[1001] != 2 || codes[-1] != 1 {
			t.Fatalf("OnClose codes %v, want two 1001 answers and one without", codes)
		}
	})
}

// TestEventConnSize pins the size of an idle EventConn, which with the
// server's conn, fdConn and evented registration makes an idle
// WebSocket's memory (docs/websocket.md).
func TestEventConnSize(t *testing.T) {
	if n := unsafe.Sizeof(EventConn{}); n > 176 {
		t.Fatalf("EventConn is %d bytes, want at most 176", n)
	}
}

// TestBlockingShutdownGoingAway: the server's graceful Shutdown reaches
// connections accepted with Accept without a Group, while their handler
// reads: each gets 1001, and Shutdown returns once the close handshakes
// are done and the handlers returned.
func TestBlockingShutdownGoingAway(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng httpserver.Engine) {
		handlerDone := make(chan error, 2)
		srv, addr := startEventsServer(t, eng, echoHandler(&AcceptOptions{Group: &Group{}}, handlerDone))
		var clients []*rawClient
		for range 2 {
			c := dialRaw(t, addr)
			c.send(txt("hello"))
			c.recvMessage()
			clients = append(clients, c)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		shut := make(chan error, 1)
		go func() { shut <- srv.Shutdown(ctx) }()
		for _, c := range clients {
			c.expectClose(1001)
		}
		if err := <-shut; err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		for range 2 {
			if err := <-handlerDone; CloseStatus(err) != 1001 {
				t.Fatalf("handler ended with %v, want the 1001 close", err)
			}
		}
	})
}

// FuzzEventsMatchBlocking feeds the same client bytes to the blocking
// reader and, in pieces of split bytes, to the event reader: they must
// deliver the same messages and end the same way (the same close code
// for a violation, the peer's close, or no verdict when the input just
// stops). Compressed input is only checked for panics and the limit: the
// two inflate at different times.
func FuzzEventsMatchBlocking(f *testing.F) {
	f.Add([]byte{0x81, 0x85, 1, 2, 3, 4, 'H' ^ 1, 'e' ^ 2, 'l' ^ 3, 'l' ^ 4, 'o' ^ 1}, false, uint8(1))
	f.Add([]byte{0xC1, 0x87, 0, 0, 0, 0, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}, true, uint8(3))
	f.Add([]byte{0x01, 0x81, 0, 0, 0, 0, 'a', 0x89, 0x80, 0, 0, 0, 0, 0x80, 0x81, 0, 0, 0, 0, 'b'}, false, uint8(2))
	f.Add([]byte{0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8, 0x81, 0x80, 0, 0, 0, 0}, false, uint8(5))
	f.Fuzz(func(t *testing.T, b []byte, compressed bool, split uint8) {
		var dp *deflateParams
		if compressed {
			dp = &deflateParams{}
		}
		var events [][]byte
		c, _ := newTestEventConn(&AcceptOptions{ReadLimit: 1024}, dp, func(_ *EventConn, _ MessageType, msg []byte) {
			if len(msg) > 1024 {
				t.Fatalf("message of %d bytes over the limit", len(msg))
			}
			events = append(events, bytes.Clone(msg))
		})
		defer func() {
			if t := c.closeTimer.Load(); t != nil {
				t.Stop()
			}
		}()
		in := (*eventInput)(c)
		step := max(int(split), 1)
		wire := bytes.Clone(b) // unmasked in place
		for i := 0; i < len(wire); i += step {
			in.OnData(wire[i:min(i+step, len(wire))])
		}
		var eventsErr error
		if c.more != nil {
			eventsErr = c.more.readErr
		}
		in.OnClose(io.EOF)
		if compressed {
			return
		}

		bc := fuzzConn(b, false)
		defer bc.CloseNow()
		var blocking [][]byte
		var blockingErr error
		for range len(b) + 1 {
			_, msg, err := bc.Read(t.Context())
			if err != nil {
				blockingErr = err
				break
			}
			blocking = append(blocking, msg)
		}
		if len(events) != len(blocking) {
			t.Fatalf("%d messages from events, %d from the blocking reader (%v / %v)", len(events), len(blocking), eventsErr, blockingErr)
		}
		for i := range events {
			if !bytes.Equal(events[i], blocking[i]) {
				t.Fatalf("message %d: %q from events, %q blocking", i, events[i], blocking[i])
			}
		}
		if got, want := verdict(eventsErr), verdict(blockingErr); got != want {
			t.Fatalf("events ended %q (%v), the blocking reader %q (%v)", got, eventsErr, want, blockingErr)
		}
	})
}

// verdict names how reading ended: a violation's close code, the peer's
// close code, or "input ended".
func verdict(err error) string {
	var f *failure
	if errors.As(err, &f) {
		return "fail " + itoa(int(f.code))
	}
	if code := CloseStatus(err); code >= 0 {
		return "peer close " + itoa(int(code))
	}
	return "input ended"
}

// TestFragmentedMessageCutByEOF: input that ends between the fragments
// of a message is an unexpected EOF for the blocking reader, not the
// message's end (the event reader's differential fuzzing found Read
// returning the first fragment as a whole message).
func TestFragmentedMessageCutByEOF(t *testing.T) {
	b := frame{op: opTxt, data: []byte("half")}.encode(true)
	c := fuzzConn(b, false)
	defer c.CloseNow()
	if _, msg, err := c.Read(t.Context()); err == nil {
		t.Fatalf("Read returned %q as a whole message", msg)
	}
}

// TestEventsKeepAlive: with PingInterval, an EventConn pings its peer,
// stays open while pongs come back, and is closed (OnClose) once a ping
// has gone unanswered for PongTimeout.
func TestEventsKeepAlive(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng httpserver.Engine) {
		closed := make(chan error, 2)
		addr := startServer(t, eng, eventsEchoHandler(&AcceptOptions{PingInterval: 50 * time.Millisecond, PongTimeout: 250 * time.Millisecond}, closed))
		live := dialRaw(t, addr)
		silent := dialRaw(t, addr)
		answered := make(chan error, 1)
		go func() { // the live peer answers every ping for 800 ms
			deadline := time.Now().Add(800 * time.Millisecond)
			for time.Now().Before(deadline) {
				f, err := live.recv()
				if err != nil {
					answered <- err
					return
				}
				if f.op == opPng {
					live.nc.Write(ctl(opPog, f.data).encode(true))
				}
			}
			answered <- nil
		}()
		start := time.Now()
		pings := 0
		for {
			f, err := silent.recv()
			if err != nil {
				break // dropped
			}
			if f.op == opPng {
				pings++
			}
		}
		if d := time.Since(start); pings == 0 || d < 250*time.Millisecond || d > 5*time.Second {
			t.Fatalf("silent peer: %d pings, dropped after %v", pings, d)
		}
		if err := <-closed; err == nil {
			t.Fatal("OnClose without an error")
		}
		if err := <-answered; err != nil {
			t.Fatalf("live peer dropped although it answered: %v", err)
		}
		live.send(txt("still here"))
		for range 100 {
			f, err := live.recv()
			if err != nil {
				t.Fatal(err)
			}
			if f.op == opTxt {
				if string(f.data) != "still here" {
					t.Fatalf("echo %q", f.data)
				}
				break
			}
		}
		live.send(ctl(opCls, closePayload(1000, "")))
		live.expectClose(1000)
	})
}
