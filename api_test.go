package httpserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestHeader(t *testing.T) {
	var h Header
	h.Add("Accept", "a")
	h.Add("X-Multi", "1")
	h.Add("x-multi", "2")
	h.Add("Other", "o")
	if h.Get("ACCEPT") != "a" || h.Get("missing") != "" || !h.Has("accept") || h.Has("nope") {
		t.Fatal("Get/Has are not case-insensitive")
	}
	if v, ok := h.Lookup("x-MULTI"); !ok || v != "1" {
		t.Fatalf("Lookup = %q, %v", v, ok)
	}
	if got := h.Values("X-Multi"); !slices.Equal(got, []string{"1", "2"}) || h.Count("x-multi") != 2 {
		t.Fatalf("Values = %v", got)
	}
	h.Set("X-MULTI", "3")
	if got := h.Values("x-multi"); !slices.Equal(got, []string{"3"}) || h.Len() != 3 {
		t.Fatalf("after Set: %v, len %d", got, h.Len())
	}
	h.Set("New", "n")
	c := h.Clone()
	h.Del("accept")
	if h.Has("Accept") || !c.Has("Accept") || c.Len() != 4 {
		t.Fatal("Del or Clone wrong")
	}
	var names []string
	for k := range c.All() {
		names = append(names, k)
		if len(names) == 2 {
			break
		}
	}
	if !slices.Equal(names, []string{"Accept", "X-Multi"}) {
		t.Fatalf("All = %v", names)
	}
	h.Add("Connection", "keep-alive, Upgrade")
	if !h.ContainsToken("connection", "upgrade") || h.ContainsToken("connection", "close") {
		t.Fatal("ContainsToken")
	}
	h.Reset()
	if h.Len() != 0 {
		t.Fatal("Reset")
	}
}

func TestQuery(t *testing.T) {
	r := &Request{RawQuery: "a=1&b=x+y&a=2&c=%41%42&bad=%zz&&flag&e="}
	q := r.Query()
	if got := q.Values("a"); !slices.Equal(got, []string{"1", "2"}) {
		t.Fatalf("a = %v", got)
	}
	if q.Get("b") != "x y" || q.Get("c") != "AB" || q.Has("bad") || !q.Has("flag") || !q.Has("e") || q.Get("zzz") != "" {
		t.Fatalf("query = %v", slices.Collect(func(yield func(string) bool) {
			for k, v := range q.All() {
				if !yield(k + "=" + v) {
					return
				}
			}
		}))
	}
	if q.Len() != 6 {
		t.Fatalf("Len = %d", q.Len())
	}
	for range q.All() {
		break
	}
}

func TestRequestAccessors(t *testing.T) {
	r := &Request{ProtoMajor: 1, ProtoMinor: 1}
	r.Header.Add("Expect", "100-Continue")
	if !r.ExpectsContinue() || !r.ProtoAtLeast(1, 0) || r.ProtoAtLeast(2, 0) {
		t.Fatal("ExpectsContinue/ProtoAtLeast")
	}
	r.SetPathValue("id", "7")
	r.SetPathValue("name", "x")
	r.SetPathValue("id", "8")
	if r.PathValue("id") != "8" || r.PathValue("none") != "" {
		t.Fatal("PathValue")
	}
	n := 0
	for range r.PathValues() {
		n++
		break
	}
	if n != 1 {
		t.Fatal("PathValues")
	}
	if r.Context() != context.Background() {
		t.Fatal("default context")
	}
	type key struct{}
	ctx := context.WithValue(context.Background(), key{}, 1)
	r2 := r.WithContext(ctx)
	if r2.Context() != ctx || r.Context() == ctx {
		t.Fatal("WithContext")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("WithContext(nil) did not panic")
		}
	}()
	var nilCtx context.Context
	r.WithContext(nilCtx) // the panic is the point
}

func TestErrorsAndStatus(t *testing.T) {
	pe := &ProtocolError{Status: 431, Reason: `too many fields "x"`, Err: ErrMalformedBody}
	if !strings.HasPrefix(pe.Error(), "httpserver: 431 Request Header Fields Too Large") || !errors.Is(pe, ErrMalformedBody) {
		t.Fatal(pe.Error())
	}
	for err, want := range map[error]int{
		pe: 431, ErrBodyTooLarge: 413, fmt.Errorf("wrapped: %w", ErrMalformedBody): 400, io.EOF: 500,
	} {
		if got := StatusOf(err); got != want {
			t.Errorf("StatusOf(%v) = %d, want %d", err, got, want)
		}
	}
	if StatusText(404) != "Not Found" || StatusText(999) != "" {
		t.Fatal("StatusText")
	}
	for code := range statusText {
		if line := string(appendStatusLine(nil, code)); !strings.HasPrefix(line, "HTTP/1.1 "+itoa3(code)+" ") {
			t.Fatalf("status line %q", line)
		}
	}
}

func TestNotFoundHandlerAndDefault(t *testing.T) {
	out := serveBytes(nil, []byte("GET / HTTP/1.1\r\nHost: h\r\n\r\n"))
	rs := parseResponses(t, out)
	if rs[0].status != 404 || rs[0].body != "Not Found\n" || rs[0].header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("%+v", rs[0])
	}
}

func TestListenAndServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &Server{Addr: addr, Handler: plaintextHandler}
	done := make(chan error, 1)
	go func() { done <- s.ListenAndServe() }()
	var resp string
	for i := 0; i < 100; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
		b, _ := io.ReadAll(c)
		c.Close()
		resp = string(b)
		break
	}
	if !strings.HasSuffix(resp, "Hello, World!") {
		t.Fatalf("response %q", resp)
	}
	s.Close()
	if err := <-done; err != ErrServerClosed {
		t.Fatalf("ListenAndServe: %v", err)
	}
	if err := s.ListenAndServe(); err != ErrServerClosed {
		t.Fatalf("ListenAndServe after Close: %v", err)
	}
}

// TestLargeBodies: request bodies of every size, declared and streamed,
// reach the handler whole in every mode (on HTTP/2 through the stream and
// connection flow-control windows).
func TestLargeBodies(t *testing.T) {
	forEachMode(t, allModes, func(t *testing.T, m testMode, start modeStart) {
		t.Parallel()
		s := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			n, err := io.Copy(io.Discard, r.Body)
			r.Body.Close()
			if _, err2 := r.Body.Read(make([]byte, 1)); !errors.Is(err2, ErrBodyReadAfterClose) {
				t.Errorf("read after close: %v", err2)
			}
			fmt.Fprintf(w, "%d %v", n, err)
		}))
		c := s.client(t)
		for _, size := range []int{0, 1, 4095, 4096, 65537, 3 << 20} {
			body := strings.Repeat("b", size)
			resp, err := c.Post(s.url("/"), "application/octet-stream", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != fmt.Sprintf("%d <nil>", size) {
				t.Fatalf("size %d: %q", size, b)
			}
		}
		// The same through chunked uploads of irregular pieces.
		pr, pw := io.Pipe()
		go func() {
			for i := 1; i <= 300; i++ {
				pw.Write([]byte(strings.Repeat("c", i*7)))
			}
			pw.Close()
		}()
		resp, err := c.Post(s.url("/"), "application/octet-stream", pr)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != fmt.Sprintf("%d <nil>", 7*300*301/2) {
			t.Fatalf("chunked: %q", b)
		}
	})
}

func TestLargeHeadersGrowBuffer(t *testing.T) {
	big := strings.Repeat("v", 20000)
	out := serveBytes(describeHandler, []byte("GET / HTTP/1.1\r\nHost: h\r\nX-Big: "+big+"\r\n\r\nGET /next HTTP/1.1\r\nHost: h\r\n\r\n"))
	if rs := parseResponses(t, out); len(rs) != 2 || rs[1].status != 200 {
		t.Fatalf("%+v", rs)
	}
}

func TestAcceptErrorClassification(t *testing.T) {
	if !isTemporaryAcceptError(fmt.Errorf("accept: %w", errEMFILE)) || isTemporaryAcceptError(io.EOF) {
		t.Fatal("isTemporaryAcceptError")
	}
}

// Middleware that replaces the context must not hide the trailers the
// server fills in at the end of a chunked body.
func TestTrailerSharedWithContextCopies(t *testing.T) {
	type key struct{}
	h := HandlerFunc(func(w ResponseWriter, r *Request) {
		r = r.WithContext(context.WithValue(r.Context(), key{}, 1))
		io.ReadAll(r.Body)
		w.WriteString("trailer=" + r.Trailer.Get("X-Sum"))
	})
	out := serveBytes(h, []byte("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nX-Sum: 9\r\n\r\n"))
	if rs := parseResponses(t, out, "POST"); len(rs) != 1 || rs[0].body != "trailer=9" {
		t.Fatalf("%+v", rs)
	}
	var none *Header
	if none.Get("x") != "" || none.Len() != 0 || none.Has("x") || none.Values("x") != nil {
		t.Fatal("nil *Header does not read as empty")
	}
}
