package httpserver

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// rejectedLog collects what Server.Rejected is told.
type rejectedLog struct {
	mu  sync.Mutex
	got []RejectedRequest
}

func (l *rejectedLog) hook(rr *RejectedRequest) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := *rr
	c.Method, c.Target, c.Proto = clone(rr.Method), clone(rr.Target), clone(rr.Proto)
	l.got = append(l.got, c)
}

func clone(s string) string { return string(append([]byte(nil), s...)) }

// wait returns the first report, waiting up to a few seconds for it.
func (l *rejectedLog) wait(t *testing.T) RejectedRequest {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		l.mu.Lock()
		if len(l.got) > 0 {
			rr := l.got[0]
			l.mu.Unlock()
			return rr
		}
		l.mu.Unlock()
	}
	t.Fatal("Server.Rejected was not called")
	return RejectedRequest{}
}

// TestRejectedHook: every request the server answers itself before a
// handler runs reaches Server.Rejected, with what was parsed of it, so
// that an access log can record it; requests a handler answers do not.
// The malformed heads, the head timeout and the 503 over capacity are
// HTTP/1.1 bytes and run in h1 and h1tls; HTTP/2's own rejections are
// TestH2CRejectedHook and TestH2HeaderListTooLargeReported; a handler's
// answer is checked in every mode.
func TestRejectedHook(t *testing.T) {
	cases := []struct {
		name, raw            string
		status               int
		method, target, prot string
	}{
		{"malformed request line", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", StatusBadRequest, "", "", ""},
		{"declared body over the limit", "POST /upload?x=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n", StatusRequestEntityTooLarge, "POST", "/upload?x=1", "HTTP/1.1"},
		{"missing Host", "GET /h HTTP/1.1\r\n\r\n", StatusBadRequest, "GET", "/h", "HTTP/1.1"},
		{"unsupported version", "GET / HTTP/2.1\r\nHost: x\r\n\r\n", StatusHTTPVersionNotSupported, "", "", ""},
	}
	forEachMode(t, allModes, func(t *testing.T, m testMode, start modeStart) {
		t.Run("answered by the handler", func(t *testing.T) {
			var log rejectedLog
			s := start(HandlerFunc(func(w ResponseWriter, r *Request) { w.WriteHeader(StatusBadRequest) }), func(s *Server) {
				s.Rejected = log.hook
			})
			resp, err := s.client(t).Get(s.url("/"))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			time.Sleep(20 * time.Millisecond)
			log.mu.Lock()
			defer log.mu.Unlock()
			if resp.StatusCode != StatusBadRequest || len(log.got) != 0 {
				t.Fatalf("status %d, reported %d", resp.StatusCode, len(log.got))
			}
		})
		if m.isH2() {
			return
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				var log rejectedLog
				s := start(HandlerFunc(func(w ResponseWriter, r *Request) {}), func(s *Server) {
					s.Limits.MaxBodyBytes = 1000
					s.Rejected = log.hook
				})
				c, br := s.rawConn(t)
				resp, _ := roundTrip(t, c, br, tc.raw, "GET")
				if resp.StatusCode != tc.status {
					t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
				}
				rr := log.wait(t)
				if rr.Status != tc.status || rr.Err == nil || rr.RemoteAddr != c.LocalAddr().String() || rr.Time.IsZero() {
					t.Errorf("reported %+v", rr)
				}
				if tc.method != "" && (rr.Method != tc.method || rr.Target != tc.target || rr.Proto != tc.prot) {
					t.Errorf("reported %q %q %q, want %q %q %q", rr.Method, rr.Target, rr.Proto, tc.method, tc.target, tc.prot)
				}
			})
		}
		t.Run("head timeout", func(t *testing.T) {
			var log rejectedLog
			s := start(HandlerFunc(func(w ResponseWriter, r *Request) {}), func(s *Server) {
				s.Timeouts.ReadHeader = 100 * time.Millisecond
				s.Rejected = log.hook
			})
			c, br := s.rawConn(t)
			io.WriteString(c, "GET / HT")
			resp, _ := roundTrip(t, c, br, "", "GET")
			if resp.StatusCode != StatusRequestTimeout || log.wait(t).Status != StatusRequestTimeout {
				t.Fatalf("status %d", resp.StatusCode)
			}
		})
		t.Run("over capacity", func(t *testing.T) {
			var log rejectedLog
			s := start(HandlerFunc(func(w ResponseWriter, r *Request) {}), func(s *Server) {
				s.Limits.MaxConns = 1
				s.Rejected = log.hook
			})
			if m.isTLS() && s.Engine == EngineEpoll {
				t.Skip("the epoll engine closes a TLS connection beyond MaxConns at accept, with no 503 (TestTLSOverCapacity)")
			}
			first, _ := s.rawConn(t)
			io.WriteString(first, "GET / HTTP/1.1\r\nHost: x\r\n\r\n") // holds the one slot
			waitFor(t, "the first connection tracked", func() bool { return s.Stats().Conns == 1 })
			c, br := s.rawConn(t)
			resp, _ := roundTrip(t, c, br, "", "GET")
			rr := log.wait(t)
			if resp.StatusCode != StatusServiceUnavailable || rr.Status != StatusServiceUnavailable || rr.Err != nil {
				t.Fatalf("status %d, reported %+v", resp.StatusCode, rr)
			}
			if host, _, _ := net.SplitHostPort(rr.RemoteAddr); host != "127.0.0.1" {
				t.Errorf("remote %q", rr.RemoteAddr)
			}
		})
	})
}
