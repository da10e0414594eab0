package httpserver

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestParseEngine(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Engine
		err  bool
	}{
		{"", DefaultEngine, false},
		{"goroutine", EngineGoroutine, false},
		{"pool", EnginePool, false},
		{" EPOLL ", EngineEpoll, false},
		{"threads", "", true},
	} {
		got, err := ParseEngine(tc.in)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("ParseEngine(%q) = %q, %v", tc.in, got, err)
		}
		if err != nil && (!errors.Is(err, ErrUnknownEngine) || !strings.Contains(err.Error(), `"threads"`)) {
			t.Errorf("error %v does not wrap ErrUnknownEngine or quote the input", err)
		}
	}
	if len(Engines()) != 3 || Engines()[0] != DefaultEngine {
		t.Errorf("Engines() = %v", Engines())
	}
}

func TestServeUnknownEngine(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Engine: "fibers"}
	if err := s.Serve(ln); !errors.Is(err, ErrUnknownEngine) {
		t.Fatalf("Serve = %v, want ErrUnknownEngine", err)
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Fatal("listener left open")
	}
}

// needEpoll skips a test of the epoll engine outside Linux, where Serve
// refuses it with ErrEngineUnsupported.
func needEpoll(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		s := &Server{Engine: EngineEpoll}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Serve(ln); !errors.Is(err, ErrEngineUnsupported) {
			t.Fatalf("Serve with epoll on %s = %v, want ErrEngineUnsupported", runtime.GOOS, err)
		}
		t.Skip("the epoll engine is Linux only")
	}
}

// waitFor polls cond for up to 5 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 500 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestPoolFullAnswers503: one worker holds the first connection, the
// queue holds the second, the third is refused with 503 and Retry-After.
func TestPoolFullAnswers503(t *testing.T) {
	s := startServer(t, plaintextHandler, withEngine(EnginePool), func(s *Server) {
		s.Pool = PoolOptions{MinWorkers: 1, MaxWorkers: 1, QueueSize: 1}
	})
	c1, br1 := s.rawConn(t)
	if resp, body := roundTrip(t, c1, br1, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "GET"); body != "Hello, World!" {
		t.Fatalf("first: %d %q", resp.StatusCode, body)
	}
	c2, br2 := s.rawConn(t)
	waitFor(t, "second connection queued", func() bool { return s.Stats().QueueDepth == 1 })
	c3, br3 := s.rawConn(t)
	resp, _ := roundTrip(t, c3, br3, "", "GET")
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("third: %d %v", resp.StatusCode, resp.Header)
	}
	st := s.Stats()
	if st.Engine != EnginePool || st.Workers != 1 || st.BusyWorkers != 1 || st.QueueCapacity != 1 || st.Rejected != 1 || st.Conns != 2 {
		t.Fatalf("stats %+v", st)
	}
	// The queued connection is served once the first one ends.
	c1.Close()
	if _, body := roundTrip(t, c2, br2, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "GET"); body != "Hello, World!" {
		t.Fatalf("queued connection: %q", body)
	}
}

// TestPoolBlockWhenFull: with BlockWhenFull the third connection waits in
// the backlog and is served later instead of being refused.
func TestPoolBlockWhenFull(t *testing.T) {
	s := startServer(t, plaintextHandler, withEngine(EnginePool), func(s *Server) {
		s.Pool = PoolOptions{MinWorkers: 1, MaxWorkers: 1, QueueSize: 1, BlockWhenFull: true}
	})
	c1, br1 := s.rawConn(t)
	roundTrip(t, c1, br1, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "GET")
	c2, br2 := s.rawConn(t)
	waitFor(t, "second connection queued", func() bool { return s.Stats().QueueDepth == 1 })
	c3, br3 := s.rawConn(t)
	io.WriteString(c3, "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
	c3.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if _, err := br3.ReadByte(); err == nil {
		t.Fatal("third connection answered while the pool is full")
	}
	c3.SetReadDeadline(time.Now().Add(5 * time.Second))
	c1.Close()
	io.WriteString(c2, "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
	if _, body := roundTrip(t, c2, br2, "", "GET"); body != "Hello, World!" {
		t.Fatalf("second: %q", body)
	}
	if resp, body := roundTrip(t, c3, br3, "", "GET"); resp.StatusCode != 200 || body != "Hello, World!" {
		t.Fatalf("third: %d %q", resp.StatusCode, body)
	}
	if st := s.Stats(); st.Rejected != 0 {
		t.Fatalf("rejected %d", st.Rejected)
	}
}

// TestPoolWorkersExpire: workers started for a burst exit after the idle
// timeout, down to MinWorkers.
func TestPoolWorkersExpire(t *testing.T) {
	s := startServer(t, plaintextHandler, withEngine(EnginePool), func(s *Server) {
		s.Pool = PoolOptions{MinWorkers: 1, MaxWorkers: 8, IdleTimeout: 20 * time.Millisecond}
	})
	var conns []net.Conn
	for range 4 {
		c, br := s.rawConn(t)
		roundTrip(t, c, br, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "GET")
		conns = append(conns, c)
	}
	if st := s.Stats(); st.Workers < 4 || st.BusyWorkers != 4 {
		t.Fatalf("during the burst: %+v", st)
	}
	for _, c := range conns {
		c.Close()
	}
	waitFor(t, "workers to expire", func() bool { st := s.Stats(); return st.Workers == 1 && st.BusyWorkers == 0 })
}

// parkedConns returns the server's evented connections that are parked
// with no buffers. It claims each idle connection as the loop would while
// it looks, so the clients must be silent meanwhile.
func parkedConns(s *Server) (parked, total int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns.each(func(tc trackedConn) bool {
		c := tc.(*conn)
		total++
		if c.evented && c.state.CompareAndSwap(stateIdle, stateActive) {
			if c.connIO == nil {
				parked++
			}
			c.state.Store(stateIdle)
		}
		return false
	})
	return parked, total
}

// TestEpollIdleConnectionsHoldNothing: after their request, keep-alive
// connections are parked on the loop without buffers, and a goroutine
// count shows none is held for them.
func TestEpollIdleConnectionsHoldNothing(t *testing.T) {
	needEpoll(t)
	s := startServer(t, plaintextHandler, withEngine(EngineEpoll), func(s *Server) {
		s.Pool = PoolOptions{MinWorkers: 1, MaxWorkers: 2}
	})
	const n = 50
	before := runtime.NumGoroutine()
	for range n {
		c, br := s.rawConn(t)
		if _, body := roundTrip(t, c, br, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "GET"); body != "Hello, World!" {
			t.Fatalf("body %q", body)
		}
	}
	// A worker parks its connection before it counts itself idle, so the
	// busy count may lag the parking for a moment.
	waitFor(t, "connections to park", func() bool {
		p, total := parkedConns(s.Server)
		return p == n && total == n && s.Stats().BusyWorkers == 0
	})
	// Before: the test's own; after: plus the loops and at most 2 workers.
	if g := runtime.NumGoroutine(); g > before+runtime.GOMAXPROCS(0)+2 {
		t.Fatalf("%d goroutines for %d idle connections (%d before)", g, n, before)
	}
	if st := s.Stats(); st.Engine != EngineEpoll || st.Conns != n || st.BusyWorkers != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestEpollPartialHeadThenRest: a head arriving in pieces is kept on the
// loop between them and served when complete; a second request pipelined
// behind a body is served too.
func TestEpollPartialHeadThenRest(t *testing.T) {
	needEpoll(t)
	s := startServer(t, HandlerFunc(func(w ResponseWriter, r *Request) {
		b, _ := io.ReadAll(r.Body)
		w.WriteString(r.Path + ":" + string(b))
	}), withEngine(EngineEpoll))
	c, br := s.rawConn(t)
	for _, part := range []string{"POST /a HT", "TP/1.1\r\nHo", "st: h\r\nContent-Length: 3\r\n", "\r\nab"} {
		io.WriteString(c, part)
		time.Sleep(10 * time.Millisecond)
	}
	io.WriteString(c, "cGET /b HTTP/1.1\r\nHost: h\r\n\r\n")
	if _, body := roundTrip(t, c, br, "", "POST"); body != "/a:abc" {
		t.Fatalf("first %q", body)
	}
	if _, body := roundTrip(t, c, br, "", "GET"); body != "/b:" {
		t.Fatalf("second %q", body)
	}
}

// TestEpollIdleTimeoutClosesParked: the loop's sweep closes a parked
// connection after the idle timeout and forgets it.
func TestEpollIdleTimeoutClosesParked(t *testing.T) {
	needEpoll(t)
	s := startServer(t, plaintextHandler, withEngine(EngineEpoll), func(s *Server) {
		s.Timeouts.Idle = 50 * time.Millisecond
	})
	c, br := s.rawConn(t)
	roundTrip(t, c, br, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "GET")
	expectClosed(t, c, br)
	waitFor(t, "the connection to be forgotten", func() bool { return s.Stats().Conns == 0 })
}

// TestEpollSlowReaderBackpressure: a client that does not read gets its
// large response as it drains the socket; the worker waits for EPOLLOUT.
func TestEpollSlowReaderBackpressure(t *testing.T) {
	needEpoll(t)
	big := strings.Repeat("0123456789abcdef", 256<<10>>4*16) // 4 MiB
	s := startServer(t, HandlerFunc(func(w ResponseWriter, r *Request) { w.WriteString(big) }), withEngine(EngineEpoll))
	c, br := s.rawConn(t)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	time.Sleep(100 * time.Millisecond) // the socket buffers fill up
	if st := s.Stats(); st.BusyWorkers != 1 {
		t.Fatalf("worker not waiting on the slow reader: %+v", st)
	}
	if _, body := roundTrip(t, c, br, "", "GET"); body != big {
		t.Fatalf("got %d bytes", len(body))
	}
}

// s0addr is the address the test client dialled, from the Host field.
func s0addr(r *Request) string { return r.Host }

// TestEpollSendfileAndHijack: sendfile through fdConn.ReadFrom (whole and
// limited file) and a hijacked connection echoing on the loop.
func TestEpollSendfileAndHijack(t *testing.T) {
	needEpoll(t)
	path := filepath.Join(t.TempDir(), "f")
	content := strings.Repeat("sendfile!", 100000)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, HandlerFunc(func(w ResponseWriter, r *Request) {
		switch r.Path {
		case "/file", "/part":
			f, err := os.Open(path)
			if err != nil {
				t.Error(err)
				return
			}
			defer f.Close()
			var src io.Reader = f
			if r.Path == "/part" {
				w.Header().Set("Content-Length", "9")
				src = &io.LimitedReader{R: f, N: 9}
			}
			NewResponseController(w).ReadFrom(src)
		case "/hijack":
			nc, rw, err := NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			defer nc.Close()
			if nc.LocalAddr().String() != s0addr(r) || nc.RemoteAddr().String() != r.RemoteAddr {
				t.Errorf("addresses %v %v, request from %s", nc.LocalAddr(), nc.RemoteAddr(), r.RemoteAddr)
			}
			rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
			rw.Flush()
			line, _ := rw.ReadString('\n')
			rw.WriteString("echo " + line)
			rw.Flush()
		}
	}), withEngine(EngineEpoll))
	c := newClient(t)
	for _, tc := range []struct{ path, want string }{{"/file", content}, {"/part", content[:9]}} {
		resp, err := c.Get("http://" + s.addr + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != tc.want {
			t.Fatalf("%s: %d bytes, want %d", tc.path, len(b), len(tc.want))
		}
	}
	nc, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(nc, "GET /hijack HTTP/1.1\r\nHost: "+s.addr+"\r\n\r\nhello\n")
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	if line, _ := br.ReadString('\n'); line != "echo hello\n" {
		t.Fatalf("echo %q", line)
	}
}

// wrappedListener hides the *net.TCPListener, so Serve's own accept loop
// runs and the epoll engine adopts each accepted socket.
type wrappedListener struct{ net.Listener }

// TestEpollOtherListeners: connections from a wrapped TCP listener are
// adopted by the loops; those from a Unix socket listener are served on
// goroutines.
func TestEpollOtherListeners(t *testing.T) {
	needEpoll(t)
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			addr := "127.0.0.1:0"
			if network == "unix" {
				addr = filepath.Join(t.TempDir(), "sock")
			}
			ln, err := net.Listen(network, addr)
			if err != nil {
				t.Fatal(err)
			}
			s := &Server{Engine: EngineEpoll, Handler: plaintextHandler}
			done := make(chan error, 1)
			go func() { done <- s.Serve(wrappedListener{ln}) }()
			c, err := net.Dial(network, ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			br := bufio.NewReader(c)
			for range 2 {
				if _, body := roundTrip(t, c, br, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "GET"); body != "Hello, World!" {
					t.Fatalf("body %q", body)
				}
			}
			if network == "tcp" {
				waitFor(t, "the connection to park", func() bool { p, _ := parkedConns(s); return p == 1 })
			} else if p, total := parkedConns(s); p != 0 || total != 1 {
				t.Fatalf("unix socket connection: %d parked of %d", p, total)
			}
			c.Close()
			if err := s.Shutdown(t.Context()); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != ErrServerClosed {
				t.Fatalf("Serve = %v", err)
			}
		})
	}
}

// TestExpectContinueOnEngines: over a real socket on every engine, the
// 100 Continue goes out when the handler reads, before the body arrives.
// The bytes of the interim response are checked, so HTTP/1.1 modes only;
// TestExpectContinue100 covers every mode through net/http's client.
func TestExpectContinueOnEngines(t *testing.T) {
	forEachMode(t, h1Modes, func(t *testing.T, m testMode, start modeStart) {
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			b, err := io.ReadAll(r.Body)
			if err != nil {
				t.Error(err)
			}
			w.WriteString("got " + string(b))
		}))
		c, br := s.rawConn(t)
		io.WriteString(c, "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
		line, err := br.ReadString('\n')
		if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
			t.Fatalf("interim %q %v", line, err)
		}
		if blank, _ := br.ReadString('\n'); blank != "\r\n" {
			t.Fatalf("after 100: %q", blank)
		}
		if _, body := roundTrip(t, c, br, "hello", "POST"); body != "got hello" {
			t.Fatalf("body %q", body)
		}
	})
}

// TestEpollFullPoolAnswers503: with the one worker busy and the queue
// full, the loop answers a further request 503 itself and closes.
func TestEpollFullPoolAnswers503(t *testing.T) {
	needEpoll(t)
	release := make(chan struct{})
	s := startServer(t, HandlerFunc(func(w ResponseWriter, r *Request) {
		if r.Path == "/block" {
			<-release
		}
		w.WriteString("ok")
	}), withEngine(EngineEpoll), func(s *Server) {
		s.Pool = PoolOptions{MinWorkers: 1, MaxWorkers: 1, QueueSize: 1}
	})
	c1, br1 := s.rawConn(t)
	io.WriteString(c1, "GET /block HTTP/1.1\r\nHost: h\r\n\r\n")
	waitFor(t, "the worker to be busy", func() bool { return s.Stats().BusyWorkers == 1 })
	c2, br2 := s.rawConn(t)
	io.WriteString(c2, "GET /block HTTP/1.1\r\nHost: h\r\n\r\n")
	waitFor(t, "the request to queue", func() bool { return s.Stats().QueueDepth == 1 })
	c3, br3 := s.rawConn(t)
	resp, _ := roundTrip(t, c3, br3, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "GET")
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("third: %d %v", resp.StatusCode, resp.Header)
	}
	expectClosed(t, c3, br3)
	if st := s.Stats(); st.Rejected != 1 {
		t.Fatalf("stats %+v", st)
	}
	close(release)
	for _, p := range []struct {
		c  net.Conn
		br *bufio.Reader
	}{{c1, br1}, {c2, br2}} {
		if _, body := roundTrip(t, p.c, p.br, "", "GET"); body != "ok" {
			t.Fatalf("body %q", body)
		}
	}
}

// TestEpollIPv6: the peer address of an IPv6 connection is formatted as
// net.TCPAddr does.
func TestEpollIPv6(t *testing.T) {
	needEpoll(t)
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	ln.Close()
	s := &Server{Engine: EngineEpoll, Handler: HandlerFunc(func(w ResponseWriter, r *Request) { w.WriteString(r.RemoteAddr) })}
	ln, err = net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, body := roundTrip(t, c, bufio.NewReader(c), "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "GET"); body != c.LocalAddr().String() {
		t.Fatalf("RemoteAddr %q, client is %s", body, c.LocalAddr())
	}
	c.Close()
	if err := s.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != ErrServerClosed {
		t.Fatalf("Serve = %v", err)
	}
	if st := (&Server{}).Stats(); st.Engine != DefaultEngine || st.Workers != 0 {
		t.Fatalf("stats of an unstarted server: %+v", st)
	}
}

// TestResponseOrdersHandlerWrites: what a handler wrote is visible to the
// client once it has the response, without other synchronisation, as
// with net.Conn (the race detector checks this in race builds), in every
// mode.
func TestResponseOrdersHandlerWrites(t *testing.T) {
	forEachMode(t, allModes, func(t *testing.T, m testMode, start modeStart) {
		var seen string
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			seen = strings.Clone(r.Path)
		}))
		c := s.client(t)
		for _, path := range []string{"/a", "/b"} {
			resp, err := c.Get(s.url(path))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if seen != path {
				t.Fatalf("handler saw %q, want %q", seen, path)
			}
		}
	})
}
