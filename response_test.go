package httpserver

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResponseFraming(t *testing.T) {
	h := HandlerFunc(func(w ResponseWriter, r *Request) {
		switch r.Path {
		case "/small":
			w.WriteString("hello")
		case "/empty":
		case "/nocontent":
			w.WriteHeader(StatusNoContent)
			w.WriteString("ignored")
		case "/notmodified":
			w.Header().Set("ETag", `"x"`)
			w.WriteHeader(StatusNotModified)
		case "/stream":
			w.WriteString("a")
			w.Flush()
			w.WriteString("b")
		case "/declared":
			w.Header().Set("Content-Length", "3")
			w.WriteString("abc")
		case "/short":
			w.Header().Set("Content-Length", "10")
			w.WriteString("abc")
		case "/over":
			w.Header().Set("Content-Length", "2")
			if _, err := w.WriteString("abc"); !errors.Is(err, ErrContentLength) {
				panic("want ErrContentLength")
			}
			w.WriteString("ab")
		case "/large":
			w.Write(bytes.Repeat([]byte("z"), 3*bodyBufferSize))
		case "/trailer":
			w.Header().Set("Trailer", "X-Sum")
			w.WriteString("data")
			NewResponseController(w).Trailer().Set("X-Sum", "42")
		case "/hints":
			w.Header().Set("Link", "</s.css>; rel=preload")
			w.WriteHeader(StatusEarlyHints)
			w.WriteString("final")
		case "/split":
			w.Header().Set("X-Evil", "a\r\nSet-Cookie: x=1")
			w.Header().Set("Bad Name", "v")
			w.WriteString("ok")
		case "/close":
			w.Header().Set("Connection", "close")
			w.WriteString("bye")
		case "/odd":
			w.WriteHeader(299)
		}
	})
	tests := []struct {
		name, req, method string
		want              []string // substrings of the raw output
		notWant           []string
		malformed         bool // the output is deliberately cut short
	}{
		{"auto Content-Length", "GET /small HTTP/1.1\r\nHost: h\r\n\r\n", "GET", []string{"HTTP/1.1 200 OK\r\n", "Content-Length: 5\r\n", "\r\n\r\nhello"}, []string{"chunked"}, false},
		{"empty body", "GET /empty HTTP/1.1\r\nHost: h\r\n\r\n", "GET", []string{"Content-Length: 0\r\n"}, nil, false},
		{"204 has no body or length", "GET /nocontent HTTP/1.1\r\nHost: h\r\n\r\n", "GET", []string{"HTTP/1.1 204 No Content\r\n"}, []string{"Content-Length", "ignored"}, false},
		{"304 has no body", "GET /notmodified HTTP/1.1\r\nHost: h\r\n\r\n", "GET", []string{"HTTP/1.1 304 Not Modified\r\n", "ETag: \"x\""}, []string{"Content-Length", "chunked"}, false},
		{"HEAD has length, no body", "HEAD /small HTTP/1.1\r\nHost: h\r\n\r\n", "HEAD", []string{"Content-Length: 5\r\n"}, []string{"hello"}, false},
		{"streamed is chunked", "GET /stream HTTP/1.1\r\nHost: h\r\n\r\n", "GET", []string{"Transfer-Encoding: chunked\r\n", "1\r\na\r\n", "1\r\nb\r\n0\r\n\r\n"}, []string{"Content-Length"}, false},
		{"streamed to 1.0 is close-delimited", "GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "GET", []string{"Connection: close\r\n", "\r\n\r\nab"}, []string{"chunked", "Content-Length"}, false},
		{"1.0 keep-alive confirmed", "GET /small HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "GET", []string{"Connection: keep-alive\r\n", "Content-Length: 5"}, nil, false},
		{"declared length kept", "GET /declared HTTP/1.1\r\nHost: h\r\n\r\n", "GET", []string{"Content-Length: 3\r\n", "abc"}, []string{"chunked"}, false},
		{"short declared body closes", "GET /short HTTP/1.1\r\nHost: h\r\n\r\nGET /small HTTP/1.1\r\nHost: h\r\n\r\n", "GET", []string{"Content-Length: 10\r\n"}, []string{"hello"}, true},
		{"write over declared length", "GET /over HTTP/1.1\r\nHost: h\r\n\r\n", "GET", []string{"Content-Length: 2\r\n", "\r\n\r\nab"}, []string{"abc"}, false},
		{"large body streams", "GET /large HTTP/1.1\r\nHost: h\r\n\r\n", "GET", []string{"Transfer-Encoding: chunked"}, nil, false},
		{"trailers", "GET /trailer HTTP/1.1\r\nHost: h\r\n\r\n", "GET", []string{"Transfer-Encoding: chunked", "4\r\ndata\r\n0\r\nX-Sum: 42\r\n\r\n"}, nil, false},
		{"103 early hints", "GET /hints HTTP/1.1\r\nHost: h\r\n\r\n", "GET", []string{"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\n"}, nil, false},
		{"no 1xx to HTTP/1.0", "GET /hints HTTP/1.0\r\n\r\n", "GET", []string{"HTTP/1.1 200 OK\r\n"}, []string{"103"}, false},
		{"no response splitting", "GET /split HTTP/1.1\r\nHost: h\r\n\r\n", "GET", []string{"X-Evil: a  Set-Cookie: x=1\r\n"}, []string{"\r\nSet-Cookie", "Bad Name"}, false},
		{"handler asks to close", "GET /close HTTP/1.1\r\nHost: h\r\n\r\nGET /small HTTP/1.1\r\nHost: h\r\n\r\n", "GET", []string{"Connection: close\r\n", "bye"}, []string{"hello"}, false},
		{"unregistered status", "GET /odd HTTP/1.1\r\nHost: h\r\n\r\n", "GET", []string{"HTTP/1.1 299 \r\n"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := string(serveBytes(h, []byte(tt.req)))
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(out, w) {
					t.Errorf("output has %q:\n%s", w, out)
				}
			}
			if !tt.malformed {
				parseResponses(t, []byte(out), tt.method, tt.method) // well-formed
			}
		})
	}
}

func TestPanicRecovery(t *testing.T) {
	h := HandlerFunc(func(w ResponseWriter, r *Request) {
		switch r.Path {
		case "/panic":
			panic("boom")
		case "/late":
			w.WriteString("partial")
			w.Flush()
			panic("late boom")
		case "/abort":
			panic(ErrAbortHandler)
		}
		w.WriteString("fine")
	})
	var logs bytes.Buffer
	withLog := func(s *Server) { s.Logger = newTestLogger(&logs) }

	out := serveBytes(h, []byte("GET /panic HTTP/1.1\r\nHost: h\r\n\r\nGET /ok HTTP/1.1\r\nHost: h\r\n\r\n"), withLog)
	rs := parseResponses(t, out)
	if len(rs) != 1 || rs[0].status != 500 || !rs[0].close {
		t.Fatalf("panic: %+v", rs)
	}
	if !strings.Contains(logs.String(), "boom") || !strings.Contains(logs.String(), "goroutine") {
		t.Fatalf("panic not logged with stack: %s", logs.String())
	}

	out = serveBytes(h, []byte("GET /late HTTP/1.1\r\nHost: h\r\n\r\n"), withLog)
	if strings.Contains(string(out), "500") || !strings.Contains(string(out), "partial") || strings.Contains(string(out), "0\r\n\r\n") {
		t.Fatalf("late panic must cut the stream, not send 500 or a clean end:\n%s", out)
	}

	logs.Reset()
	out = serveBytes(h, []byte("GET /abort HTTP/1.1\r\nHost: h\r\n\r\n"), withLog)
	if len(out) != 0 || logs.Len() != 0 {
		t.Fatalf("abort: out %q logs %q", out, logs.String())
	}
}

func TestBodyErrorsReachHandler(t *testing.T) {
	var got error
	h := HandlerFunc(func(w ResponseWriter, r *Request) {
		_, got = io.ReadAll(r.Body)
	})
	limit := func(s *Server) { s.Limits.MaxBodyBytes = 4 }
	out := serveBytes(h, []byte("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n9\r\n123456789\r\n0\r\n\r\n"), limit)
	if !errors.Is(got, ErrBodyTooLarge) || StatusOf(got) != 413 {
		t.Fatalf("got %v", got)
	}
	if rs := parseResponses(t, out); rs[0].status != 413 {
		t.Fatalf("status %d", rs[0].status)
	}
	out = serveBytes(h, []byte("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"))
	if !errors.Is(got, ErrMalformedBody) {
		t.Fatalf("got %v", got)
	}
	if rs := parseResponses(t, out); rs[0].status != 400 {
		t.Fatalf("status %d", rs[0].status)
	}
}

func TestUnreadBody(t *testing.T) {
	h := HandlerFunc(func(w ResponseWriter, r *Request) { w.WriteString(r.Path) })
	// A small unread body is discarded and the connection goes on.
	out := serveBytes(h, []byte("POST /1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET /2 HTTP/1.1\r\nHost: h\r\n\r\n"))
	if rs := parseResponses(t, out, "POST", "GET"); len(rs) != 2 || rs[1].body != "/2" {
		t.Fatalf("got %+v", rs)
	}
	// A large one makes the server close instead.
	small := func(s *Server) { s.Limits.MaxDiscardBytes = 2 }
	out = serveBytes(h, []byte("POST /1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET /2 HTTP/1.1\r\nHost: h\r\n\r\n"), small)
	if rs := parseResponses(t, out, "POST"); len(rs) != 1 || !rs[0].close {
		t.Fatalf("got %+v", rs)
	}
}

func TestExpectContinue(t *testing.T) {
	reader := HandlerFunc(func(w ResponseWriter, r *Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
	})
	refuser := HandlerFunc(func(w ResponseWriter, r *Request) { Error(w, StatusForbidden) })
	req := "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbody"

	out := string(serveBytes(reader, []byte(req)))
	if !strings.HasPrefix(out, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n") || !strings.HasSuffix(out, "body") {
		t.Fatalf("reader:\n%s", out)
	}
	out = string(serveBytes(refuser, []byte(req)))
	if strings.Contains(out, "100 Continue") || !strings.Contains(out, "403") || !strings.Contains(out, "Connection: close") {
		t.Fatalf("refuser must not invite the body and must close:\n%s", out)
	}
}

func TestReadFromFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.txt")
	content := strings.Repeat("0123456789", 10000)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	forEachMode(t, allModes, func(t *testing.T, m testMode, start modeStart) {
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			f, err := os.Open(path)
			if err != nil {
				Error(w, 500)
				return
			}
			defer f.Close()
			if r.Path == "/offset" {
				f.Seek(10, io.SeekStart)
			}
			if _, err := NewResponseController(w).ReadFrom(f); err != nil {
				t.Errorf("ReadFrom: %v", err)
			}
		}))
		for _, tc := range []struct{ path, want string }{{"/", content}, {"/offset", content[10:]}} {
			resp, err := s.client(t).Get(s.url(tc.path))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != tc.want || resp.ContentLength != int64(len(tc.want)) {
				t.Fatalf("%s: got %d bytes, Content-Length %d", tc.path, len(b), resp.ContentLength)
			}
		}
	})
}

func TestReadFromLimitedFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.txt")
	if err := os.WriteFile(path, []byte("0123456789abcdef"), 0o644); err != nil {
		t.Fatal(err)
	}
	forEachMode(t, allModes, func(t *testing.T, m testMode, start modeStart) {
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			f, _ := os.Open(path)
			defer f.Close()
			f.Seek(2, io.SeekStart)
			lr := &io.LimitedReader{R: f, N: 5}
			n, err := NewResponseController(w).ReadFrom(lr)
			if n != 5 || err != nil || lr.N != 0 {
				t.Errorf("ReadFrom = %d, %v; N left %d", n, err, lr.N)
			}
		}))
		resp, err := s.client(t).Get(s.url("/"))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "23456" || resp.ContentLength != 5 {
			t.Fatalf("body %q length %d", body, resp.ContentLength)
		}
	})
}

// TestPanicKeepsEarlierPipelinedAnswers: answers to earlier pipelined
// requests, still queued when a later handler panics, are sent before the
// connection closes; a panicking response none of whose bytes left yet is
// still replaced by a clean 500.
func TestPanicKeepsEarlierPipelinedAnswers(t *testing.T) {
	h := HandlerFunc(func(w ResponseWriter, r *Request) {
		switch r.Path {
		case "/committed": // the header is committed, all still queued
			w.WriteString(strings.Repeat("x", bodyBufferSize-100))
			w.WriteString(strings.Repeat("y", 200))
			if !w.(*response).committed || w.(*response).c.respOut {
				t.Error("the test case no longer commits without output")
			}
			panic("boom")
		case "/late": // part of the response already sent
			w.WriteString("partial")
			w.Flush()
			panic("late boom")
		case "/abort":
			w.WriteString("abc")
			panic(ErrAbortHandler)
		}
		w.WriteString("fine")
	})
	quiet := func(s *Server) { s.Logger = newTestLogger(io.Discard) }
	get := func(path string) string { return "GET " + path + " HTTP/1.1\r\nHost: h\r\n\r\n" }
	for _, tc := range []struct {
		path     string
		statuses []int // of the complete responses
		tail     string
	}{
		{"/committed", []int{200, 500}, ""},
		{"/abort", []int{200}, ""},
		{"/late", []int{200}, "partial"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			out := string(serveBytes(h, []byte(get("/ok")+get(tc.path)+get("/ok")), quiet))
			first := "HTTP/1.1 200 OK\r\n"
			if !strings.HasPrefix(out, first) || strings.Count(out, "fine") != 1 {
				t.Fatalf("the first answer is not intact and alone:\n%s", out)
			}
			if tc.tail != "" {
				if !strings.Contains(out, tc.tail) || strings.Contains(out, "500") {
					t.Fatalf("want the first answer, then the cut stream:\n%s", out)
				}
				return
			}
			rs := parseResponses(t, []byte(out))
			if len(rs) != len(tc.statuses) {
				t.Fatalf("%d responses, want %d:\n%s", len(rs), len(tc.statuses), out)
			}
			for i, want := range tc.statuses {
				if rs[i].status != want {
					t.Errorf("response %d: status %d, want %d", i+1, rs[i].status, want)
				}
			}
			if last := rs[len(rs)-1]; tc.path == "/committed" && !last.close {
				t.Errorf("the 500 does not close the connection")
			}
		})
	}
}
