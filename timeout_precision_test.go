package httpserver

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// TestTimeoutsFireOnTime: on every engine, a client stuck in its request
// head gets its 408, and a keep-alive connection left idle is closed,
// within 100 ms of the timeout. The connections start 50 ms apart, so
// that a timeout checked on a coarse schedule (the epoll engine once
// swept its connections every quarter timeout) shows up as late. The
// machine may be loaded by other work: a case passes if one of three
// attempts is on time (a coarse schedule makes every attempt late).
// Mode h1 only: it measures the engines' timers, the same in every mode,
// and takes seconds per engine; the timeouts themselves run in every mode
// (TestHeaderTimeout, TestIdleTimeout).
func TestTimeoutsFireOnTime(t *testing.T) {
	const (
		timeout = time.Second
		conns   = 5
		apart   = 50 * time.Millisecond
		slack   = 100 * time.Millisecond
	)
	tests := []struct {
		name  string
		send  string // what the client sends, then waits
		want  string // what the server's answer starts with ("" for a plain close)
		timer string
	}{
		{"partial head", "GET / HTTP/1.1\r\nHost:", "HTTP/1.1 408 ", "ReadHeader"},
		{"idle after a response", "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 200 ", "Idle"},
	}
	forEachEngine(t, func(t *testing.T, start func(Handler, ...func(*Server)) *testServer) {
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) { w.Write([]byte("ok")) }), func(s *Server) {
			s.Timeouts = Timeouts{ReadHeader: timeout, Idle: timeout}
		})
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var worst time.Duration
				for attempt := range 3 {
					var wg sync.WaitGroup
					late := make([]time.Duration, conns)
					for i := range conns {
						time.Sleep(apart)
						wg.Add(1)
						go func() {
							defer wg.Done()
							late[i] = timeoutLateness(t, s.addr, tt.send, tt.want, timeout)
						}()
					}
					wg.Wait()
					worst = late[0]
					for _, l := range late {
						worst = max(worst, l)
						if l < -20*time.Millisecond {
							t.Errorf("%s fired %v early", tt.timer, -l)
						}
					}
					t.Logf("attempt %d: %s %v: latest by %v", attempt, tt.timer, timeout, worst.Round(time.Millisecond))
					if raceEnabled || worst <= slack {
						return // race builds run too slowly for a timing bound
					}
				}
				t.Errorf("%s fired up to %v late, want within %v", tt.timer, worst.Round(time.Millisecond), slack)
			})
		}
	})
}

// timeoutLateness sends send on a new connection, reads until the server
// closes it, and returns how long after timeout (counted from the last
// byte sent, or the response's arrival) the close came.
func timeoutLateness(t *testing.T, addr, send, want string, timeout time.Duration) time.Duration {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Error(err)
		return 0
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout + 5*time.Second))
	if _, err := io.WriteString(c, send); err != nil {
		t.Error(err)
		return 0
	}
	from := time.Now()
	buf := make([]byte, 4096)
	got := 0
	for {
		n, err := c.Read(buf[got:])
		if got == 0 && n > 0 && want == "HTTP/1.1 200 " {
			from = time.Now() // the idle wait starts with the response
		}
		got += n
		if err != nil {
			break
		}
	}
	if string(buf[:min(got, len(want))]) != want {
		t.Errorf("got %q, want a response starting %q", buf[:got], want)
	}
	return time.Since(from) - timeout
}
