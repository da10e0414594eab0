package httpserver

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// withH2C turns on HTTP/2 with prior knowledge.
func withH2C(s *Server) { s.HTTP2.H2C = true }

// newH2CClient returns a net/http client that speaks HTTP/2 with prior
// knowledge over cleartext (Go 1.24's Transport.Protocols), and closes its
// connections when the test ends.
func newH2CClient(t testing.TB) *http.Client {
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: &p}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// forEachEngineH2C runs fn for every engine in modes h2 and h2c, with a
// server that serves HTTP/2 and a client that speaks it (which trusts
// the certificate of the server start makes, in mode h2).
func forEachEngineH2C(t *testing.T, fn func(t *testing.T, start modeStart, c *http.Client)) {
	forEachMode(t, h2Modes, func(t *testing.T, m testMode, start modeStart) {
		pool := x509.NewCertPool()
		c := (&modeServer{mode: m, cert: &testCert{pool: pool}}).client(t)
		fn(t, func(h Handler, configure ...func(*Server)) *modeServer {
			s := start(h, configure...)
			if s.cert != nil {
				pool.AddCert(s.cert.leaf)
			}
			return s
		}, c)
	})
}

// h2Echo is the handler of the request/response table: it reports what
// the server made of the request.
func h2Echo(w ResponseWriter, r *Request) {
	switch r.Path {
	case "/echo":
		b, err := io.ReadAll(r.Body)
		if err != nil {
			Error(w, StatusOf(err))
			return
		}
		h := w.Header()
		h.Set("X-Method", r.Method)
		h.Set("X-Proto", fmt.Sprintf("%s %d.%d", r.Proto, r.ProtoMajor, r.ProtoMinor))
		h.Set("X-Host", r.Host)
		h.Set("X-Target", r.Target)
		h.Set("X-Path", r.Path)
		h.Set("X-Query", strings.Join(r.Query().Values("a"), ","))
		h.Set("X-Cookie", r.Header.Get("Cookie"))
		h.Set("X-Cookies", fmt.Sprint(r.Header.Count("Cookie")))
		h.Set("X-CL", fmt.Sprint(r.ContentLength))
		h.Set("X-Remote", fmt.Sprint(r.RemoteAddr != ""))
		h.Set("X-Trailer", r.Trailer.Get("X-Sum"))
		w.Write(b)
	case "/stream":
		for i := 0; i < 3; i++ {
			w.WriteString("chunk\n")
			w.Flush()
		}
	case "/big":
		w.Write(bytes.Repeat([]byte("0123456789"), 100000))
	case "/nocontent":
		w.WriteHeader(StatusNoContent)
		w.WriteString("dropped")
	case "/notmodified":
		// RFC 9110 §8.6: a 304 may say the selected representation's
		// length.
		w.Header().Set("Content-Length", "5")
		w.WriteHeader(StatusNotModified)
	case "/declared":
		w.Header().Set("Content-Length", "5")
		w.Header().Set("Connection", "close") // connection-specific: dropped
		w.WriteString("hello")
	case "/short":
		w.Header().Set("Content-Length", "10")
		w.WriteString("hello")
	case "/trailers":
		w.Header().Set("Trailer", "X-Checksum")
		w.WriteString("body")
		w.Flush()
		NewResponseController(w).Trailer().Set("X-Checksum", "abc")
	case "/hijack":
		_, _, err := NewResponseController(w).Hijack()
		w.WriteString(fmt.Sprint(errors.Is(err, ErrNotSupported)))
	case "/panic":
		panic("boom")
	case "/panic-late":
		w.WriteString("partial")
		w.Flush()
		panic("boom")
	default:
		Error(w, StatusNotFound)
	}
}

// TestH2CRequestResponse: requests made by net/http's HTTP/2 client with
// prior knowledge reach the same Handler API as HTTP/1 requests, on every
// engine: method, target, host, cookies joined, bodies both ways, 204/304
// and HEAD without body, Content-Length, trailers, Flush, large bodies,
// Hijack refused, a panic answered 500 or a reset stream.
func TestH2CRequestResponse(t *testing.T) {
	forEachEngineH2C(t, func(t *testing.T, start modeStart, c *http.Client) {
		s := start(HandlerFunc(h2Echo), func(s *Server) { s.Name = "h2-test" })
		base := s.url("")
		for _, tt := range []struct {
			name, method, path, body string
			header                   map[string]string
			resetOK                  bool // the reset may come before the head is read
			check                    func(t *testing.T, resp *http.Response, body string, err error)
		}{
			{name: "GET", method: "GET", path: "/echo?a=1&a=2", check: func(t *testing.T, resp *http.Response, body string, err error) {
				h := resp.Header
				if resp.ProtoMajor != 2 || h.Get("X-Proto") != "HTTP/2.0 2.0" || h.Get("X-Method") != "GET" ||
					h.Get("X-Host") != s.addr || h.Get("X-Target") != "/echo?a=1&a=2" || h.Get("X-Path") != "/echo" ||
					h.Get("X-Query") != "1,2" || h.Get("X-CL") != "-1" || h.Get("X-Remote") != "true" ||
					h.Get("Server") != "h2-test" || h.Get("Date") == "" || resp.ContentLength != 0 {
					t.Fatalf("%s %d %v", resp.Proto, resp.ContentLength, h)
				}
			}},
			{name: "POST body", method: "POST", path: "/echo", body: "hello", check: func(t *testing.T, resp *http.Response, body string, err error) {
				if body != "hello" || resp.ContentLength != 5 || resp.Header.Get("X-CL") != "5" || resp.Header.Get("X-Method") != "POST" {
					t.Fatalf("%q cl=%d %v", body, resp.ContentLength, resp.Header)
				}
			}},
			{name: "large POST", method: "POST", path: "/echo", body: strings.Repeat("abcdefgh", 200000), check: func(t *testing.T, resp *http.Response, body string, err error) {
				if body != strings.Repeat("abcdefgh", 200000) {
					t.Fatalf("echoed %d bytes", len(body))
				}
			}},
			{name: "cookies joined", method: "GET", path: "/echo", header: map[string]string{"Cookie": "a=1; b=2"}, check: func(t *testing.T, resp *http.Response, body string, err error) {
				// net/http's client splits the cookie into crumbs
				// (RFC 9113 §8.2.3); the handler sees one field.
				if resp.Header.Get("X-Cookie") != "a=1; b=2" || resp.Header.Get("X-Cookies") != "1" {
					t.Fatalf("%v", resp.Header)
				}
			}},
			{name: "HEAD", method: "HEAD", path: "/big", check: func(t *testing.T, resp *http.Response, body string, err error) {
				if resp.StatusCode != 200 || body != "" {
					t.Fatalf("%d %q", resp.StatusCode, body)
				}
			}},
			{name: "stream with Flush", method: "GET", path: "/stream", check: func(t *testing.T, resp *http.Response, body string, err error) {
				if body != strings.Repeat("chunk\n", 3) || resp.ContentLength != -1 {
					t.Fatalf("%q cl=%d", body, resp.ContentLength)
				}
			}},
			{name: "large response", method: "GET", path: "/big", check: func(t *testing.T, resp *http.Response, body string, err error) {
				if body != strings.Repeat("0123456789", 100000) {
					t.Fatalf("got %d bytes", len(body))
				}
			}},
			{name: "204", method: "GET", path: "/nocontent", check: func(t *testing.T, resp *http.Response, body string, err error) {
				if resp.StatusCode != 204 || body != "" || resp.Header.Get("Content-Length") != "" {
					t.Fatalf("%d %q %v", resp.StatusCode, body, resp.Header)
				}
			}},
			{name: "304", method: "GET", path: "/notmodified", check: func(t *testing.T, resp *http.Response, body string, err error) {
				if resp.StatusCode != 304 || body != "" || resp.Header.Get("Content-Length") != "5" {
					t.Fatalf("%d %q %v", resp.StatusCode, body, resp.Header)
				}
			}},
			{name: "declared Content-Length", method: "GET", path: "/declared", check: func(t *testing.T, resp *http.Response, body string, err error) {
				if body != "hello" || resp.ContentLength != 5 || resp.Header.Get("Connection") != "" {
					t.Fatalf("%q cl=%d %v", body, resp.ContentLength, resp.Header)
				}
			}},
			{name: "body shorter than its Content-Length: reset", method: "GET", path: "/short", resetOK: true, check: func(t *testing.T, resp *http.Response, body string, err error) {
				if err == nil {
					t.Fatalf("got %q without error: a short body must not look complete", body)
				}
			}},
			{name: "response trailers", method: "GET", path: "/trailers", check: func(t *testing.T, resp *http.Response, body string, err error) {
				if body != "body" || resp.Trailer.Get("X-Checksum") != "abc" {
					t.Fatalf("%q trailer %v", body, resp.Trailer)
				}
			}},
			{name: "Hijack not supported", method: "GET", path: "/hijack", check: func(t *testing.T, resp *http.Response, body string, err error) {
				if body != "true" {
					t.Fatalf("Hijack error is ErrNotSupported: %s", body)
				}
			}},
			{name: "too many fields: 431", method: "GET", path: "/echo", header: manyFields(101), check: func(t *testing.T, resp *http.Response, body string, err error) {
				if resp.StatusCode != 431 {
					t.Fatalf("%d with 101 fields (Limits.MaxHeaderCount 100)", resp.StatusCode)
				}
			}},
			{name: "100 fields", method: "GET", path: "/echo", header: manyFields(100), check: func(t *testing.T, resp *http.Response, body string, err error) {
				if resp.StatusCode != 200 {
					t.Fatalf("%d with 100 fields (Limits.MaxHeaderCount 100)", resp.StatusCode)
				}
			}},
			{name: "panic before the head: 500", method: "GET", path: "/panic", check: func(t *testing.T, resp *http.Response, body string, err error) {
				if resp.StatusCode != 500 {
					t.Fatalf("%d", resp.StatusCode)
				}
			}},
			{name: "panic after the head: reset", method: "GET", path: "/panic-late", resetOK: true, check: func(t *testing.T, resp *http.Response, body string, err error) {
				if err == nil || !strings.Contains(err.Error(), "INTERNAL_ERROR") {
					t.Fatalf("body %q, err %v: want a stream reset", body, err)
				}
			}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				var rd io.Reader
				if tt.body != "" {
					rd = strings.NewReader(tt.body)
				}
				req, _ := http.NewRequest(tt.method, base+tt.path, rd)
				for k, v := range tt.header {
					req.Header.Set(k, v)
				}
				resp, err := c.Do(req)
				if err != nil && tt.resetOK {
					tt.check(t, nil, "", err)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				if resp.ProtoMajor != 2 {
					t.Fatalf("served as %s", resp.Proto)
				}
				b, err := io.ReadAll(resp.Body)
				tt.check(t, resp, string(b), err)
			})
		}
	})
}

// manyFields returns n request fields, counting the two net/http's client
// adds (accept-encoding, user-agent).
func manyFields(n int) map[string]string {
	m := map[string]string{}
	for i := range n - 2 {
		m[fmt.Sprintf("X-F%d", i)] = "v"
	}
	return m
}

// TestH2CDeadlines: ResponseController's read deadline fails a body Read
// waiting for a client that sends nothing more; Timeouts.Read does the
// same for every stream; a write deadline fails a Write the client's
// flow-control window does not take.
func TestH2CDeadlines(t *testing.T) {
	forEachEngineH2C(t, func(t *testing.T, start modeStart, c *http.Client) {
		t.Parallel()
		writeErr := make(chan error, 1)
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			switch r.Path {
			case "/read-deadline":
				rc := NewResponseController(w)
				err := rc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
				_, rerr := r.Body.Read(make([]byte, 10))
				fmt.Fprint(w, err, " ", errors.Is(rerr, os.ErrDeadlineExceeded), " ", rc.EnableFullDuplex())
			case "/read-timeout":
				_, rerr := r.Body.Read(make([]byte, 10))
				fmt.Fprint(w, errors.Is(rerr, os.ErrDeadlineExceeded))
			case "/write-deadline":
				NewResponseController(w).SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
				var err error
				for i := 0; i < 1000 && err == nil; i++ { // 64 MiB to a client that reads nothing
					_, err = w.Write(make([]byte, 64<<10))
				}
				writeErr <- err
			}
		}), func(s *Server) { s.Timeouts.Read = 200 * time.Millisecond })
		for _, path := range []string{"/read-deadline", "/read-timeout"} {
			pr, pw := io.Pipe()
			defer pw.Close()
			req, _ := http.NewRequest("POST", s.url(path), pr)
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			want := "<nil> true <nil>"
			if path == "/read-timeout" {
				want = "true"
			}
			if string(b) != want {
				t.Fatalf("%s: %q, want %q", path, b, want)
			}
		}
		resp, err := c.Get(s.url("/write-deadline"))
		if err != nil {
			t.Fatal(err)
		}
		// Read nothing: the handler's Writes fill the windows and its
		// buffer, then fail at the deadline.
		defer resp.Body.Close()
		select {
		case err := <-writeErr:
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("Write with a passed deadline: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Write blocked past its deadline")
		}
	})
}

// TestH2CBodyLimit: Limits.MaxBodyBytes holds on HTTP/2: a declared
// length beyond it is answered 413 before the handler runs, and a
// streamed body that grows beyond it fails the handler's Read and, if
// the handler ignores that, is answered 413.
func TestH2CBodyLimit(t *testing.T) {
	forEachEngineH2C(t, func(t *testing.T, start modeStart, c *http.Client) {
		ran := make(chan string, 4)
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			_, err := io.ReadAll(r.Body)
			ran <- fmt.Sprint(errors.Is(err, ErrBodyTooLarge))
		}), func(s *Server) { s.Limits.MaxBodyBytes = 1000 })
		for _, tt := range []struct {
			name    string
			body    io.Reader
			handler string // what the handler saw, "" when it did not run
		}{
			{"declared", strings.NewReader(strings.Repeat("x", 1001)), ""},
			{"streamed", io.MultiReader(strings.NewReader(strings.Repeat("x", 1001))), "true"},
			{"within", strings.NewReader(strings.Repeat("x", 1000)), "false"},
		} {
			req, _ := http.NewRequest("POST", s.url("/"), tt.body)
			resp, err := c.Do(req)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			resp.Body.Close()
			want := 413
			if tt.name == "within" {
				want = 200
			}
			got := ""
			select {
			case got = <-ran:
			default:
			}
			if resp.StatusCode != want || got != tt.handler {
				t.Errorf("%s: %d, handler saw limit error %q; want %d, %q", tt.name, resp.StatusCode, got, want, tt.handler)
			}
		}
	})
}

// TestH2CRequestTrailersAndStreaming: a request body streamed by the
// client with trailers reaches the handler, trailers in Request.Trailer
// once the body is read; the server streams its answer while reading.
func TestH2CRequestTrailersAndStreaming(t *testing.T) {
	forEachEngineH2C(t, func(t *testing.T, start modeStart, c *http.Client) {
		s := start(HandlerFunc(h2Echo))
		pr, pw := io.Pipe()
		req, _ := http.NewRequest("PUT", s.url("/echo"), pr)
		req.Trailer = http.Header{"X-Sum": nil}
		go func() {
			pw.Write([]byte("streamed "))
			pw.Write([]byte("body"))
			req.Trailer.Set("X-Sum", "42")
			pw.Close()
		}()
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "streamed body" || resp.Header.Get("X-Trailer") != "42" || resp.Header.Get("X-CL") != "-1" {
			t.Fatalf("%q %v", b, resp.Header)
		}
	})
}

// TestH2CConcurrentStreams: many requests at once share one connection
// (the client multiplexes), each answered with its own body.
//
// Not parallel: 200 streams at once is load enough (six such subtests
// together timed out under -race on the shared 2-core machine).
func TestH2CConcurrentStreams(t *testing.T) {
	forEachEngineH2C(t, func(t *testing.T, start modeStart, c *http.Client) {
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			sum := sha256.Sum256([]byte(r.Path))
			w.Header().Set("X-Remote", r.RemoteAddr)
			for range 20 {
				w.Write(sum[:])
			}
		}))
		// One request first, so that the connection exists: over TLS
		// net/http's client would dial (and shake hands) once per
		// request that finds none.
		if resp, err := c.Get(s.url("/warm")); err != nil {
			t.Fatal(err)
		} else {
			resp.Body.Close()
		}
		n := 200
		if s.mode.isTLS() {
			// Over TLS 200 streams took 6-10 s under -race on the
			// shared machine (0.2-0.5 s without): 100 still fill
			// the connection's MaxConcurrentStreams.
			n = 100
		}
		var wg sync.WaitGroup
		errs := make(chan error, n)
		remotes := make(chan string, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				path := fmt.Sprintf("/%d", i)
				resp, err := c.Get(s.url(path))
				if err != nil {
					errs <- err
					return
				}
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				sum := sha256.Sum256([]byte(path))
				if err != nil || !bytes.Equal(b, bytes.Repeat(sum[:], 20)) {
					errs <- fmt.Errorf("%s: %d bytes, %v", path, len(b), err)
				}
				remotes <- resp.Header.Get("X-Remote")
			}()
		}
		wg.Wait()
		close(errs)
		close(remotes)
		for err := range errs {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for r := range remotes {
			seen[r] = true
		}
		if len(seen) > 2 {
			t.Fatalf("%d connections for %d requests: not multiplexed", len(seen), n)
		}
	})
}

// TestH2CContextCancelledOnClientCancel: when the client cancels a
// request, its stream is reset and the handler's context is done.
func TestH2CContextCancelledOnClientCancel(t *testing.T) {
	forEachEngineH2C(t, func(t *testing.T, start modeStart, c *http.Client) {
		started := make(chan struct{})
		cancelled := make(chan error, 1)
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			ctx := r.Context()
			w.WriteString("started")
			w.Flush()
			close(started)
			select {
			case <-ctx.Done():
				cancelled <- ctx.Err()
			case <-time.After(5 * time.Second):
				cancelled <- errors.New("context not cancelled within 5 s")
			}
		}))
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", s.url("/"), nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		<-started
		cancel()
		if err := <-cancelled; !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
	})
}

// TestH2CShutdownLetsStreamsFinish: Shutdown sends GOAWAY; a stream in
// flight finishes and its response arrives whole, then the connection
// closes and Shutdown returns.
func TestH2CShutdownLetsStreamsFinish(t *testing.T) {
	forEachEngineH2C(t, func(t *testing.T, start modeStart, c *http.Client) {
		started := make(chan struct{})
		release := make(chan struct{})
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			if r.Path == "/slow" {
				close(started)
				<-release
			}
			w.WriteString("done " + r.Path)
		}))
		// Warm the connection, so that the slow request is a stream on it.
		if resp, err := c.Get(s.url("/warm")); err != nil {
			t.Fatal(err)
		} else {
			resp.Body.Close()
		}
		got := make(chan string, 1)
		go func() {
			resp, err := c.Get(s.url("/slow"))
			if err != nil {
				got <- err.Error()
				return
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			got <- fmt.Sprintf("%s %v", b, err)
		}()
		<-started
		shut := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			shut <- s.Shutdown(ctx)
		}()
		select {
		case err := <-shut:
			t.Fatalf("Shutdown returned %v with a stream in flight", err)
		case <-time.After(100 * time.Millisecond):
		}
		close(release)
		if g := <-got; g != "done /slow <nil>" {
			t.Fatalf("in-flight stream got %q", g)
		}
		if err := <-shut; err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if n := s.Stats().Conns; n != 0 {
			t.Fatalf("%d connections left after Shutdown", n)
		}
	})
}

// TestH2COffByDefault: without HTTP2Options.H2C the preface is answered
// 505 and net/http's client fails.
func TestH2COffByDefault(t *testing.T) {
	s := startServer(t, HandlerFunc(h2Echo))
	if resp, err := newH2CClient(t).Get("http://" + s.addr + "/echo"); err == nil {
		resp.Body.Close()
		t.Fatalf("served %s without H2C", resp.Proto)
	}
}

// TestExpectContinue100: in every mode, a client that sends "Expect:
// 100-continue" gets 100 Continue when the handler reads the body, and no
// body is requested when the handler answers without reading it.
func TestExpectContinue100(t *testing.T) {
	forEachMode(t, allModes, func(t *testing.T, m testMode, start modeStart) {
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			if r.Path == "/reject" {
				Error(w, StatusRequestEntityTooLarge)
				return
			}
			b, _ := io.ReadAll(r.Body)
			w.Write(b)
		}))
		// A long wait: without the 100 the client would sit out the
		// timeout and then send the body anyway.
		c := s.client(t, func(tr *http.Transport) { tr.ExpectContinueTimeout = time.Minute })
		req, _ := http.NewRequest("POST", s.url("/echo"), strings.NewReader("payload"))
		req.Header.Set("Expect", "100-continue")
		began := time.Now()
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "payload" || time.Since(began) > 5*time.Second {
			t.Fatalf("%q after %v", b, time.Since(began))
		}
		req, _ = http.NewRequest("POST", s.url("/reject"), strings.NewReader("payload"))
		req.Header.Set("Expect", "100-continue")
		resp, err = c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 413 {
			t.Fatalf("%d", resp.StatusCode)
		}
	})
}

// TestH2CContextOnePerStream: every call of Request.Context in a handler
// returns the same context, and another stream gets another one.
func TestH2CContextOnePerStream(t *testing.T) {
	forEachEngineH2C(t, func(t *testing.T, start modeStart, c *http.Client) {
		var mu sync.Mutex
		seen := map[context.Context]bool{}
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			ctx := r.Context()
			same := ctx == r.Context()
			mu.Lock()
			fresh := !seen[ctx]
			seen[ctx] = true
			mu.Unlock()
			fmt.Fprint(w, same, fresh)
		}))
		for range 3 {
			resp, err := c.Get(s.url("/"))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != "true true" {
				t.Fatalf("same context on each call, new per stream: %q", b)
			}
		}
	})
}

// TestH2CCloseEndsStreams: Close ends an HTTP/2 connection at once: a
// handler waiting on its request context sees it cancelled, and the
// connection counts while it lives and not after.
func TestH2CCloseEndsStreams(t *testing.T) {
	forEachEngineH2C(t, func(t *testing.T, start modeStart, c *http.Client) {
		started := make(chan struct{})
		ended := make(chan error, 1)
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			w.WriteString("started")
			w.Flush()
			close(started)
			select {
			case <-r.Context().Done():
				ended <- r.Context().Err()
			case <-time.After(5 * time.Second):
				ended <- errors.New("context not cancelled by Close within 5 s")
			}
		}))
		go func() {
			if resp, err := c.Get(s.url("/")); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
		<-started
		if n := s.Stats().Conns; n != 1 {
			t.Errorf("%d connections counted while the stream runs, want 1", n)
		}
		s.Close()
		if err := <-ended; !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for s.Stats().Conns != 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if n := s.Stats().Conns; n != 0 {
			t.Fatalf("%d connections counted after Close", n)
		}
	})
}

// TestH2CHoldsNoWorker: an HTTP/2 connection runs on goroutines of its
// own, so on the pool and epoll engines an idle one holds no worker (an
// HTTP/1 connection on the pool engine holds one for its life).
func TestH2CHoldsNoWorker(t *testing.T) {
	for _, engine := range engines {
		if engine == EngineGoroutine {
			continue
		}
		t.Run(string(engine), func(t *testing.T) {
			s := startServer(t, plaintextHandler, withEngine(engine), withH2C)
			k := newH2RawClient(t, s.addr, "/")
			k.wait(1)
			deadline := time.Now().Add(5 * time.Second)
			for s.Stats().BusyWorkers != 0 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			if st := s.Stats(); st.BusyWorkers != 0 || st.Conns != 1 {
				t.Fatalf("idle h2c connection: %d busy workers, %d connections; want 0 and 1", st.BusyWorkers, st.Conns)
			}
		})
	}
}

// TestH2CRejectedHook: a request the HTTP/2 adapter answers itself (here
// 431 for too many fields, 413 for a declared body over the limit)
// reaches Server.Rejected as on HTTP/1, with what was parsed of it.
func TestH2CRejectedHook(t *testing.T) {
	forEachEngineH2C(t, func(t *testing.T, start modeStart, c *http.Client) {
		got := make(chan string, 4)
		s := start(HandlerFunc(h2Echo), func(s *Server) {
			s.Limits.MaxBodyBytes = 10
			s.Rejected = func(rr *RejectedRequest) {
				got <- fmt.Sprintf("%d %s %s %s", rr.Status, rr.Method, rr.Target, rr.Proto)
			}
		})
		req, _ := http.NewRequest("GET", s.url("/echo?x"), nil)
		for k, v := range manyFields(101) {
			req.Header.Set(k, v)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if g := receive(t, got); g != "431 GET /echo?x HTTP/2.0" {
			t.Errorf("Rejected got %q", g)
		}
		resp, err = c.Post(s.url("/echo"), "text/plain", strings.NewReader(strings.Repeat("x", 11)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if g := receive(t, got); g != "413 POST /echo HTTP/2.0" {
			t.Errorf("Rejected got %q", g)
		}
	})
}

// receive waits at most 5 s for a value from ch.
func receive(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("nothing received within 5 s")
		return ""
	}
}
