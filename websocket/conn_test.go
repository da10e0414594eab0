package websocket

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
)

// serverFunc accepts with opts and runs fn on the connection; errors
// reach the test through the returned channel.
func serverFunc(opts *AcceptOptions, fn func(c *Conn) error) (httpserver.Handler, <-chan error) {
	errc := make(chan error, 16)
	return httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		c, err := Accept(w, r, opts)
		if err != nil {
			errc <- err
			return
		}
		defer c.CloseNow()
		errc <- fn(c)
	}), errc
}

func waitErr(t *testing.T, errc <-chan error) error {
	t.Helper()
	select {
	case err := <-errc:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("handler did not finish")
		return nil
	}
}

func TestPing(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng httpserver.Engine) {
		h, errc := serverFunc(nil, func(c *Conn) error {
			readDone := make(chan error, 1)
			go func() { _, _, err := c.Read(context.Background()); readDone <- err }()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := c.Ping(ctx); err != nil {
				return err
			}
			if err := <-readDone; CloseStatus(err) != StatusNormalClosure {
				return err
			}
			return nil
		})
		c := dialRaw(t, startServer(t, eng, h))
		f, err := c.recv()
		if err != nil || f.op != opPng {
			t.Fatalf("want a ping: %+v %v", f, err)
		}
		c.send(ctl(opPog, []byte("not this one")), ctl(opPog, f.data))
		c.send(ctl(opCls, closePayload(1000, "")))
		c.expectClose(1000)
		if err := waitErr(t, errc); err != nil {
			t.Fatal(err)
		}
	})
}

// TestKeepAliveClosesSilentPeer: a peer that answers no ping is dropped
// after PingInterval+PongTimeout.
func TestKeepAliveClosesSilentPeer(t *testing.T) {
	h, errc := serverFunc(&AcceptOptions{PingInterval: 50 * time.Millisecond, PongTimeout: 100 * time.Millisecond}, func(c *Conn) error {
		_, _, err := c.Read(context.Background())
		return err
	})
	c := dialRaw(t, startServer(t, httpserver.EngineGoroutine, h))
	start := time.Now()
	pings := 0
	for {
		f, err := c.recv()
		if err != nil {
			break // dropped
		}
		if f.op == opPng {
			pings++
		}
	}
	if pings == 0 {
		t.Error("no keep-alive ping")
	}
	if err := waitErr(t, errc); err == nil {
		t.Error("Read returned no error")
	}
	if d := time.Since(start); d < 150*time.Millisecond || d > 5*time.Second {
		t.Errorf("dropped after %v", d)
	}
}

// TestKeepAliveKeepsLivePeer: pongs keep the connection open.
func TestKeepAliveKeepsLivePeer(t *testing.T) {
	h, errc := serverFunc(&AcceptOptions{PingInterval: 30 * time.Millisecond, PongTimeout: 60 * time.Millisecond}, func(c *Conn) error {
		_, msg, err := c.Read(context.Background())
		if err != nil {
			return err
		}
		return c.Write(context.Background(), MessageText, msg)
	})
	c := dialRaw(t, startServer(t, httpserver.EngineGoroutine, h))
	deadline := time.Now().Add(400 * time.Millisecond)
	for time.Now().Before(deadline) {
		f, err := c.recv()
		if err != nil {
			t.Fatalf("connection dropped although pongs were sent: %v", err)
		}
		if f.op == opPng {
			c.send(ctl(opPog, f.data))
		}
	}
	c.send(txt("still here"))
	for {
		f, err := c.recv()
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
	if err := waitErr(t, errc); err != nil {
		t.Fatal(err)
	}
	c.expectEOF() // the handler returned and its deferred CloseNow closed the socket
}

func TestReadContextClosesConnection(t *testing.T) {
	h, errc := serverFunc(nil, func(c *Conn) error {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, _, err := c.Read(ctx)
		return err
	})
	c := dialRaw(t, startServer(t, httpserver.EngineGoroutine, h))
	if err := waitErr(t, errc); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Read: %v, want DeadlineExceeded", err)
	}
	c.expectEOF()
}

func TestServerClose(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng httpserver.Engine) {
		h, errc := serverFunc(nil, func(c *Conn) error {
			if err := c.Write(context.Background(), MessageText, []byte("last words")); err != nil {
				return err
			}
			if err := c.Close(StatusGoingAway, "bye"); err != nil {
				return err
			}
			if err := c.Write(context.Background(), MessageText, []byte("x")); !errors.Is(err, ErrClosed) {
				return errors.New("Write after Close: " + errorString(err))
			}
			return nil
		})
		c := dialRaw(t, startServer(t, eng, h))
		if op, _, data := c.recvMessage(); op != opTxt || string(data) != "last words" {
			t.Fatalf("message %d %q", op, data)
		}
		c.send(txt("discarded while closing"))
		c.expectClose(1001)
		if err := waitErr(t, errc); err != nil {
			t.Fatal(err)
		}
	})
}

func errorString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestCloseTimeout: a peer that never answers the close frame is cut off
// after CloseTimeout.
func TestCloseTimeout(t *testing.T) {
	h, errc := serverFunc(&AcceptOptions{CloseTimeout: 100 * time.Millisecond}, func(c *Conn) error {
		start := time.Now()
		err := c.Close(StatusNormalClosure, "")
		if d := time.Since(start); d < 100*time.Millisecond || d > 3*time.Second {
			return errors.New("Close took " + d.String())
		}
		if err == nil {
			return errors.New("Close reported success without the peer's close frame")
		}
		return nil
	})
	c := dialRaw(t, startServer(t, httpserver.EngineGoroutine, h))
	if err := waitErr(t, errc); err != nil {
		t.Fatal(err)
	}
	f, err := c.recv()
	if err != nil || f.op != opCls {
		t.Fatalf("want the close frame: %v", err)
	}
	c.expectEOF()
}

func TestCloseRejectsBadCodes(t *testing.T) {
	c := fuzzConn(nil, false)
	defer c.CloseNow()
	for _, tt := range []struct {
		code   StatusCode
		reason string
	}{{1005, "x"}, {1006, ""}, {1015, ""}, {999, ""}, {5000, ""}, {1000, strings.Repeat("a", 124)}, {1000, "\xff"}} {
		if err := c.Close(tt.code, tt.reason); !errors.Is(err, ErrInvalidClose) {
			t.Errorf("Close(%d, %.10q): %v", tt.code, tt.reason, err)
		}
	}
}

// TestGroupShutdown: every open connection gets 1001 and Shutdown returns
// once they all completed the close handshake.
func TestGroupShutdown(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng httpserver.Engine) {
		g := &Group{}
		handlerDone := make(chan error, 3)
		addr := startServer(t, eng, echoHandler(&AcceptOptions{Group: g}, handlerDone))
		var clients []*rawClient
		for range 3 {
			c := dialRaw(t, addr)
			c.send(txt("hi"))
			c.recvMessage() // the connection is in the group once echoed
			clients = append(clients, c)
		}
		if g.Len() != 3 {
			t.Fatalf("group holds %d", g.Len())
		}
		shut := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			shut <- g.Shutdown(ctx)
		}()
		for _, c := range clients {
			c.expectClose(1001)
		}
		if err := <-shut; err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		for range 3 {
			if err := waitErr(t, handlerDone); CloseStatus(err) != -1 && !errors.Is(err, io.EOF) {
				t.Logf("handler ended with %v", err)
			}
		}
	})
}

// TestGroupShutdownTimeout: a client that does not answer is closed when
// the shutdown's context ends.
func TestGroupShutdownTimeout(t *testing.T) {
	g := &Group{}
	handlerDone := make(chan error, 1)
	addr := startServer(t, httpserver.EngineGoroutine, httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		c, err := Accept(w, r, &AcceptOptions{Group: g})
		if err != nil {
			return
		}
		// No reader: Close must wait for the handshake itself.
		<-c.closed
		handlerDone <- nil
	}))
	c := dialRaw(t, addr)
	for g.Len() == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := g.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v", err)
	}
	waitErr(t, handlerDone)
	f, err := c.recv()
	if err != nil || f.op != opCls {
		t.Fatalf("want a close frame: %v", err)
	}
	c.expectEOF()
}

// TestWriterFragments: a streamed message goes out in frames of at most
// frameSize, control frames may go between them, and the payload is
// whole.
func TestWriterFragments(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng httpserver.Engine) {
		payload := []byte(strings.Repeat("0123456789", 10000))
		h, errc := serverFunc(nil, func(c *Conn) error {
			// A reader sees the pong and, at the end, the close.
			readDone := make(chan error, 1)
			go func() { _, _, err := c.Read(context.Background()); readDone <- err }()
			w, err := c.Writer(context.Background(), MessageBinary)
			if err != nil {
				return err
			}
			for i := 0; i < len(payload); i += 7000 {
				if _, err := w.Write(payload[i:min(i+7000, len(payload))]); err != nil {
					return err
				}
				if i == 42000 {
					// A ping goes out between two frames of the message.
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					err := c.Ping(ctx)
					cancel()
					if err != nil {
						return err
					}
				}
			}
			if err := w.Close(); err != nil {
				return err
			}
			if err := <-readDone; CloseStatus(err) != StatusNormalClosure {
				return err
			}
			return nil
		})
		c := dialRaw(t, startServer(t, eng, h))
		var got []byte
		frames, pings := 0, 0
		for done := false; !done; {
			f, err := c.recv()
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case f.op == opPng:
				pings++
				c.send(ctl(opPog, f.data))
				continue
			case frames == 0 && f.op != opBin, frames > 0 && f.op != opCont:
				t.Fatalf("frame %d has opcode %d", frames, f.op)
			case len(f.data) > frameSize:
				t.Fatalf("frame of %d bytes", len(f.data))
			}
			frames++
			got = append(got, f.data...)
			done = f.fin
		}
		if string(got) != string(payload) || frames < 3 || pings != 1 {
			t.Fatalf("%d bytes in %d frames with %d pings", len(got), frames, pings)
		}
		c.send(ctl(opCls, closePayload(1000, "")))
		c.expectClose(1000)
		if err := waitErr(t, errc); err != nil {
			t.Fatal(err)
		}
	})
}

// TestStaleReaderAndWriter: a reader or writer kept past its message
// cannot touch the next one (the connection reuses its state).
func TestStaleReaderAndWriter(t *testing.T) {
	h, errc := serverFunc(nil, func(c *Conn) error {
		ctx := context.Background()
		_, r1, err := c.Reader(ctx)
		if err != nil {
			return err
		}
		if b, _ := io.ReadAll(r1); string(b) != "one" {
			return errors.New("first message: " + string(b))
		}
		_, r2, err := c.Reader(ctx)
		if err != nil {
			return err
		}
		if n, err := r1.Read(make([]byte, 10)); n != 0 || err != io.EOF {
			return errors.New("the first reader read from the second message")
		}
		if b, _ := io.ReadAll(r2); string(b) != "two" {
			return errors.New("second message: " + string(b))
		}
		w1, err := c.Writer(ctx, MessageText)
		if err != nil {
			return err
		}
		w1.Write([]byte("a"))
		if err := w1.Close(); err != nil {
			return err
		}
		w2, err := c.Writer(ctx, MessageText)
		if err != nil {
			return err
		}
		if _, err := w1.Write([]byte("stale")); !errors.Is(err, ErrClosed) {
			return errors.New("the first writer wrote into the second message")
		}
		if err := w1.Close(); !errors.Is(err, ErrClosed) {
			return errors.New("the first writer closed the second message")
		}
		w2.Write([]byte("b"))
		if err := w2.Close(); err != nil {
			return err
		}
		_, _, err = c.Read(ctx)
		if CloseStatus(err) != StatusNormalClosure {
			return err
		}
		return nil
	})
	c := dialRaw(t, startServer(t, httpserver.EngineGoroutine, h))
	c.send(txt("one"), txt("two"))
	for _, want := range []string{"a", "b"} {
		if op, _, got := c.recvMessage(); op != opTxt || string(got) != want {
			t.Fatalf("message %q, want %q", got, want)
		}
	}
	c.send(ctl(opCls, closePayload(1000, "")))
	c.expectClose(1000)
	if err := waitErr(t, errc); err != nil {
		t.Fatal(err)
	}
}

func TestSetReadLimit(t *testing.T) {
	h, errc := serverFunc(nil, func(c *Conn) error {
		c.SetReadLimit(10)
		_, msg, err := c.Read(context.Background())
		if err != nil || string(msg) != "0123456789" {
			return errors.New("at the limit: " + errorString(err))
		}
		_, _, err = c.Read(context.Background())
		return err
	})
	c := dialRaw(t, startServer(t, httpserver.EngineGoroutine, h))
	c.send(txt("0123456789"), txt("0123456789a"))
	c.expectClose(1009)
	var f *failure
	if err := waitErr(t, errc); !errors.As(err, &f) || f.code != StatusMessageTooBig {
		t.Fatalf("Read: %v", err)
	}
}

// TestCloseRead: a connection that only writes still answers pings,
// discards data and sees the peer's close, which ends the context.
func TestCloseRead(t *testing.T) {
	h, errc := serverFunc(nil, func(c *Conn) error {
		ctx := c.CloseRead(context.Background())
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(10 * time.Millisecond):
			}
			if err := c.Write(ctx, MessageText, []byte("tick")); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
		}
	})
	c := dialRaw(t, startServer(t, httpserver.EngineGoroutine, h))
	c.send(txt("ignored"), ctl(opPng, []byte("p")))
	ticks, pong := 0, false
	for !pong || ticks < 3 {
		f, err := c.recv()
		if err != nil {
			t.Fatal(err)
		}
		switch f.op {
		case opPog:
			pong = string(f.data) == "p"
		case opTxt:
			ticks++
		default:
			t.Fatalf("frame op %d %q", f.op, f.data)
		}
	}
	c.send(ctl(opCls, closePayload(1000, "")))
	c.expectClose(1000)
	if err := waitErr(t, errc); err != nil {
		t.Fatal(err)
	}
}
