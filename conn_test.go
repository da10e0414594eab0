package httpserver

import (
	"context"
	"errors"
	"github.com/rawsock/httpserver/internal/http2"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestHeaderTimeout: a client that sends nothing is closed once
// Timeouts.ReadHeader passes, in every mode (in h2 once the handshake
// chose HTTP/2, the wait for the client preface); on HTTP/1.1 a head that
// stalls halfway is answered 408 and the connection closes (HTTP/2 has no
// such answer: its fields come whole, in HEADERS frames).
func TestHeaderTimeout(t *testing.T) {
	forEachMode(t, allModes, func(t *testing.T, m testMode, start modeStart) {
		t.Parallel()
		timeout := 200 * time.Millisecond
		if m.isTLS() {
			// The handshake runs within ReadHeader too: 200 ms was
			// too short for it under -race on a loaded machine.
			timeout = time.Second
		}
		s := start(describeHandler, func(s *Server) { s.Timeouts.ReadHeader = timeout })
		if !m.isH2() {
			// A slowloris client sends part of a head and stalls: 408, close.
			c, br := s.rawConn(t)
			io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n")
			resp, _ := roundTrip(t, c, br, "", "GET")
			if resp.StatusCode != 408 || !resp.Close {
				t.Fatalf("status %d close %v", resp.StatusCode, resp.Close)
			}
			expectClosed(t, c, br)
		}
		// A client that connects and sends nothing is closed (on HTTP/2
		// after the server's SETTINGS and a GOAWAY).
		began := time.Now() // the timer runs from the connect, handshake included
		c2 := s.dial(t)
		expectEOF(t, c2)
		if time.Since(began) < timeout/2 {
			t.Fatal("closed before the timeout")
		}
	})
}

// expectEOF reads and discards what the server sends until it closes the
// connection, within 5 seconds.
func expectEOF(t testing.TB, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.Copy(io.Discard, c); err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatal("connection not closed by the server")
		}
	}
}

// TestIdleTimeout: a connection with nothing to do is closed once
// Timeouts.Idle passes after its last response; on HTTP/2 with a GOAWAY
// (NO_ERROR, the last stream it served) first.
func TestIdleTimeout(t *testing.T) {
	forEachMode(t, allModes, func(t *testing.T, m testMode, start modeStart) {
		t.Parallel()
		s := start(describeHandler, func(s *Server) { s.Timeouts.Idle = 200 * time.Millisecond })
		if m.isH2() {
			k := newH2RawClientOn(t, s.dial(t), "/")
			if _, heads := k.wait(1); heads != 1 {
				t.Fatalf("%d heads", heads)
			}
			began := time.Now()
			frames := k.readUntilEOF()
			if time.Since(began) < 100*time.Millisecond {
				t.Fatal("closed before the idle timeout")
			}
			if g := lastGoAway(frames); g == nil || g.code != http2.ErrCodeNo || g.lastID != 1 {
				t.Fatalf("GOAWAY %+v, want NO_ERROR with last stream 1", g)
			}
			return
		}
		c, br := s.rawConn(t)
		resp, _ := roundTrip(t, c, br, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "GET")
		if resp.StatusCode != 200 {
			t.Fatal(resp.Status)
		}
		began := time.Now()
		expectClosed(t, c, br)
		if time.Since(began) < 100*time.Millisecond {
			t.Fatal("closed before the idle timeout")
		}
	})
}

// lastGoAway returns the last GOAWAY among frames, or nil.
func lastGoAway(frames []h2FrameSeen) *h2FrameSeen {
	for i := len(frames) - 1; i >= 0; i-- {
		if frames[i].typ == http2.FrameGoAway {
			return &frames[i]
		}
	}
	return nil
}

// TestBodyReadTimeout: a body that stalls past Timeouts.Read fails the
// handler's Read with a 408 error, which the handler answers; HTTP/1.1
// closes the connection after it (HTTP/2 ends the stream).
func TestBodyReadTimeout(t *testing.T) {
	forEachMode(t, allModes, func(t *testing.T, m testMode, start modeStart) {
		t.Parallel()
		s := start(describeHandler, func(s *Server) { s.Timeouts.Read = 200 * time.Millisecond })
		if m.isH2() {
			pr, pw := io.Pipe()
			defer pw.Close()
			go pw.Write([]byte("abc"))
			resp, err := s.client(t).Post(s.url("/"), "text/plain", pr)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 408 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			return
		}
		c, br := s.rawConn(t)
		resp, _ := roundTrip(t, c, br, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc", "POST")
		if resp.StatusCode != 408 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		expectClosed(t, c, br)
	})
}

// TestWriteTimeout: a handler writing to a client that reads nothing
// gets a timeout error once Timeouts.Write passes without progress (on
// HTTP/2 once the stream's flow-control window and buffer are full).
func TestWriteTimeout(t *testing.T) {
	forEachMode(t, allModes, func(t *testing.T, m testMode, start modeStart) {
		t.Parallel()
		errc := make(chan error, 1)
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			chunk := make([]byte, 64<<10)
			for i := 0; i < 2000; i++ { // up to 128 MiB to a client that never reads
				if _, err := w.Write(chunk); err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}), func(s *Server) { s.Timeouts.Write = 300 * time.Millisecond })
		if m.isH2() {
			newH2RawClientOn(t, s.dial(t), "/") // opens no stream window: takes 64 KiB
		} else {
			c, _ := s.rawConn(t)
			io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
		}
		select {
		case err := <-errc:
			if !isTimeout(err) {
				t.Fatalf("handler write error %v, want a timeout", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("write did not time out")
		}
	})
}

// TestMaxConns: beyond Limits.MaxConns a connection is answered 503 with
// Retry-After, and served again once one leaves. HTTP/1.1 modes only:
// the refusal is an HTTP/1.1 response written at accept, before TLS or
// the protocol is known (over TLS after the handshake).
func TestMaxConns(t *testing.T) {
	forEachMode(t, h1Modes, func(t *testing.T, m testMode, start modeStart) {
		s := start(describeHandler, func(s *Server) { s.Limits.MaxConns = 1 })
		if m.isTLS() && s.Engine == EngineEpoll {
			t.Skip("the epoll engine closes a TLS connection beyond MaxConns at accept, with no 503 (TestTLSOverCapacity)")
		}
		c1, br1 := s.rawConn(t)
		roundTrip(t, c1, br1, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "GET") // c1 is now counted
		c2, br2 := s.rawConn(t)
		resp, _ := roundTrip(t, c2, br2, "", "GET")
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("status %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		c1.Close()
		// Once the first client leaves, a new one is served.
		deadline := time.Now().Add(5 * time.Second)
		for {
			c3, br3 := s.rawConn(t)
			resp, _ = roundTrip(t, c3, br3, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "GET")
			if resp.StatusCode == 200 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("server still refusing after the first client left")
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// TestGracefulShutdown: Shutdown closes idle connections at once, stops
// accepting, and lets a request in flight finish before it returns; the
// answer says the connection closes (HTTP/1.1: Connection: close; HTTP/2:
// GOAWAY NO_ERROR naming the last stream, before the stream ends).
func TestGracefulShutdown(t *testing.T) {
	forEachMode(t, allModes, func(t *testing.T, m testMode, start modeStart) {
		t.Parallel()
		entered := make(chan struct{})
		release := make(chan struct{})
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			if r.Path == "/slow" {
				close(entered)
				<-release
			}
			w.WriteString("done")
		}))
		if m.isH2() {
			idle := newH2RawClientOn(t, s.dial(t), "/")
			idle.wait(1)
			busy := newH2RawClientOn(t, s.dial(t), "/slow")
			<-entered
			shutdownErr := make(chan error, 1)
			go func() { shutdownErr <- s.Shutdown(context.Background()) }()
			if g := lastGoAway(idle.readUntilEOF()); g == nil || g.code != http2.ErrCodeNo || g.lastID != 1 {
				t.Fatalf("idle connection: GOAWAY %+v, want NO_ERROR, last stream 1", g)
			}
			select {
			case err := <-shutdownErr:
				t.Fatalf("Shutdown returned %v with a stream in flight", err)
			case <-time.After(50 * time.Millisecond):
			}
			close(release)
			frames := busy.readUntilEOF()
			checkDrained(t, frames, 1, len("done"))
			if err := <-shutdownErr; err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			return
		}
		// An idle keep-alive connection.
		idle, idleBR := s.rawConn(t)
		roundTrip(t, idle, idleBR, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "GET")
		// An in-flight request.
		busy, busyBR := s.rawConn(t)
		io.WriteString(busy, "GET /slow HTTP/1.1\r\nHost: h\r\n\r\n")
		<-entered

		shutdownErr := make(chan error, 1)
		go func() { shutdownErr <- s.Shutdown(context.Background()) }()

		expectClosed(t, idle, idleBR) // idle connections close at once
		if _, err := net.DialTimeout("tcp", s.addr, time.Second); err == nil {
			t.Error("listener still accepting after Shutdown")
		}
		select {
		case err := <-shutdownErr:
			t.Fatalf("Shutdown returned %v with a request in flight", err)
		case <-time.After(50 * time.Millisecond):
		}
		close(release)
		resp, body := roundTrip(t, busy, busyBR, "", "GET")
		if body != "done" || !resp.Close {
			t.Fatalf("in-flight response %q close=%v", body, resp.Close)
		}
		if err := <-shutdownErr; err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
	})
}

// TestShutdownDeadlineForcesClose: a handler that outlives Shutdown's
// context has its connection closed, and sees its context cancelled.
func TestShutdownDeadlineForcesClose(t *testing.T) {
	forEachMode(t, allModes, func(t *testing.T, m testMode, start modeStart) {
		t.Parallel()
		entered := make(chan struct{})
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			close(entered)
			<-r.Context().Done() // ends when the connection is force-closed
		}))
		c := s.dial(t)
		if m.isH2() {
			newH2RawClientOn(t, c, "/")
		} else {
			io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
		}
		<-entered
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Shutdown: %v", err)
		}
		expectEOF(t, c)
	})
}

// TestHijack: a handler takes the connection over after a 101, with the
// bytes the server had buffered. HTTP/1.1 modes only: HTTP/2 has no
// connection to hand over, and refuses Hijack (TestH2CRequestResponse).
func TestHijack(t *testing.T) {
	forEachMode(t, h1Modes, func(t *testing.T, m testMode, start modeStart) {
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			w.Header().Set("Upgrade", "echo")
			w.Header().Set("Connection", "Upgrade")
			w.WriteHeader(StatusSwitchingProtocols)
			nc, rw, err := NewResponseController(w).Hijack()
			if err != nil {
				t.Errorf("Hijack: %v", err)
				return
			}
			go func() {
				defer nc.Close()
				line, _ := rw.ReadString('\n')
				rw.WriteString("echo:" + line)
				rw.Flush()
			}()
			if _, err := w.Write([]byte("x")); !errors.Is(err, ErrHijacked) {
				t.Errorf("Write after Hijack: %v", err)
			}
		}))
		c, br := s.rawConn(t)
		// The first line of the new protocol arrives with the request, so
		// it sits in the server's buffer when the handler hijacks.
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nhello\n")
		resp, _ := roundTrip(t, c, br, "", "GET")
		if resp.StatusCode != 101 || resp.Header.Get("Upgrade") != "echo" {
			t.Fatalf("status %d %v", resp.StatusCode, resp.Header)
		}
		line, err := br.ReadString('\n')
		if err != nil || line != "echo:hello\n" {
			t.Fatalf("got %q, %v", line, err)
		}
	})
}

// wrapper is a middleware-style writer that hides nothing thanks to Unwrap.
type wrapper struct {
	ResponseWriter
	wrote int
}

func (w *wrapper) Write(p []byte) (int, error) { w.wrote += len(p); return w.ResponseWriter.Write(p) }
func (w *wrapper) Unwrap() ResponseWriter      { return w.ResponseWriter }

// TestControllerSeesThroughWrappers: ResponseController reaches the
// server's writer through middleware that wraps it with Unwrap, in every
// mode.
func TestControllerSeesThroughWrappers(t *testing.T) {
	forEachMode(t, allModes, func(t *testing.T, m testMode, start modeStart) {
		var errs []error
		var mu sync.Mutex
		mw := func(next Handler) Handler {
			return HandlerFunc(func(w ResponseWriter, r *Request) { next.ServeHTTP(&wrapper{ResponseWriter: w}, r) })
		}
		h := Chain(mw, mw)(HandlerFunc(func(w ResponseWriter, r *Request) {
			rc := NewResponseController(w)
			mu.Lock()
			defer mu.Unlock()
			errs = append(errs,
				rc.SetReadDeadline(time.Now().Add(time.Second)),
				rc.SetWriteDeadline(time.Now().Add(time.Second)),
				rc.EnableFullDuplex())
			if rc.Trailer() == nil {
				errs = append(errs, errors.New("no trailer"))
			}
			w.WriteString("ok")
			errs = append(errs, rc.Flush())
		}))
		s := start(h)
		resp, err := s.client(t).Get(s.url("/"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "ok" {
			t.Fatalf("body %q", b)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	})
	// A writer without Unwrap hides the capabilities, and says so.
	var plain struct{ ResponseWriter }
	if _, _, err := NewResponseController(&plain).Hijack(); !errors.Is(err, ErrNotSupported) {
		t.Fatalf("Hijack on a plain wrapper: %v", err)
	}
}

// TestPipelinedResponsesInOrder: 100 pipelined requests are answered in
// order. HTTP/1.1 modes only: pipelining is HTTP/1.1 framing.
func TestPipelinedResponsesInOrder(t *testing.T) {
	forEachMode(t, h1Modes, func(t *testing.T, m testMode, start modeStart) {
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) { w.WriteString(r.Path) }))
		c, br := s.rawConn(t)
		var sb strings.Builder
		const n = 100
		for i := 0; i < n; i++ {
			sb.WriteString("GET /" + itoa3(i) + " HTTP/1.1\r\nHost: h\r\n\r\n")
		}
		go io.WriteString(c, sb.String())
		for i := 0; i < n; i++ {
			_, body := roundTrip(t, c, br, "", "GET")
			if body != "/"+itoa3(i) {
				t.Fatalf("response %d is %q", i, body)
			}
		}
	})
}

func TestUseAfterReturnPanics(t *testing.T) {
	if !raceEnabled {
		t.Skip("the use-after-return check of requests runs in race-detector builds (go test -race)")
	}
	kept := make(chan ResponseWriter, 1)
	keptReq := make(chan *Request, 2)
	serveBytes(HandlerFunc(func(w ResponseWriter, r *Request) {
		kept <- w
		keptReq <- r
		keptReq <- r.WithContext(context.Background()) // held by the exchange
	}), []byte("GET / HTTP/1.1\r\nHost: h\r\n\r\n"))
	w, r, r2 := <-kept, <-keptReq, <-keptReq
	for name, f := range map[string]func(){
		"Write":        func() { w.WriteString("late") },
		"Header":       func() { w.Header() },
		"Body":         func() { r.Body.Read(make([]byte, 1)) },
		"Context":      func() { r.Context() },
		"copy Context": func() { r2.Context() },
	} {
		func() {
			defer func() {
				if p := recover(); p != errUsedAfterReturn {
					t.Errorf("%s after return: recovered %v, want errUsedAfterReturn", name, p)
				}
			}()
			f()
		}()
	}
}

// checkDrained checks the frames an HTTP/2 connection sent from Shutdown
// on: a GOAWAY with NO_ERROR naming lastID, then the rest of stream
// lastID's response, dataLen bytes in all, ending it; nothing reset.
func checkDrained(t *testing.T, frames []h2FrameSeen, lastID uint32, dataLen int) {
	t.Helper()
	goAway, ended, data := -1, -1, 0
	for i, f := range frames {
		switch {
		case f.typ == http2.FrameGoAway:
			if f.code != http2.ErrCodeNo || f.lastID != lastID {
				t.Fatalf("GOAWAY %v, last stream %d; want NO_ERROR, %d", f.code, f.lastID, lastID)
			}
			goAway = i
		case f.typ == http2.FrameRSTStream:
			t.Fatalf("stream %d reset: %v", f.stream, f.code)
		case f.stream == lastID && f.typ == http2.FrameData:
			data += f.data
		}
		if f.stream == lastID && f.endStream {
			ended = i
		}
	}
	if goAway < 0 || ended < goAway || data != dataLen {
		t.Fatalf("GOAWAY at frame %d, stream %d ended at %d with %d bytes (want %d) of %d frames", goAway, lastID, ended, data, dataLen, len(frames))
	}
}
