package nethttp

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
)

func TestNewServerRequest(t *testing.T) {
	tests := []struct {
		name        string
		build       func() *http.Request
		wantTarget  string
		wantPath    string
		wantRawPath string
		wantQuery   string
		wantHeader  [][2]string
		wantLength  int64
		wantBody    string
	}{
		{
			name: "escaped path, query, sorted header after Host",
			build: func() *http.Request {
				r := httptest.NewRequest("GET", "/a%2Fb/c%20d?x=1&y=2", nil)
				r.Header.Set("X-B", "2")
				r.Header.Add("X-A", "1")
				r.Header.Add("X-A", "1b")
				return r
			},
			wantTarget: "/a%2Fb/c%20d?x=1&y=2", wantPath: "/a/b/c d", wantRawPath: "/a%2Fb/c%20d",
			wantQuery:  "x=1&y=2",
			wantHeader: [][2]string{{"Host", "example.com"}, {"X-A", "1"}, {"X-A", "1b"}, {"X-B", "2"}},
		},
		{
			name: "body with a length",
			build: func() *http.Request {
				r := httptest.NewRequest("POST", "/p", strings.NewReader("hello"))
				return r
			},
			wantTarget: "/p", wantPath: "/p", wantRawPath: "/p", wantLength: 5, wantBody: "hello",
			wantHeader: [][2]string{{"Host", "example.com"}},
		},
		{
			name: "chunked body",
			build: func() *http.Request {
				r := httptest.NewRequest("POST", "/c", io.MultiReader(strings.NewReader("ab"), strings.NewReader("c")))
				r.TransferEncoding = []string{"chunked"}
				r.ContentLength = -1
				return r
			},
			wantTarget: "/c", wantPath: "/c", wantRawPath: "/c", wantLength: -1, wantBody: "abc",
			wantHeader: [][2]string{{"Host", "example.com"}, {"Transfer-Encoding", "chunked"}},
		},
		{
			name: "client-side request without RequestURI",
			build: func() *http.Request {
				r, _ := http.NewRequest("GET", "http://example.com/q?z=9", nil)
				return r
			},
			wantTarget: "/q?z=9", wantPath: "/q", wantRawPath: "/q", wantQuery: "z=9",
			wantHeader: [][2]string{{"Host", "example.com"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.build()
			req := NewServerRequest(r)
			if req.Method != r.Method || req.Target != tt.wantTarget {
				t.Errorf("Method, Target = %q, %q; want %q, %q", req.Method, req.Target, r.Method, tt.wantTarget)
			}
			if req.Path != tt.wantPath || req.RawPath != tt.wantRawPath || req.RawQuery != tt.wantQuery {
				t.Errorf("Path, RawPath, RawQuery = %q, %q, %q; want %q, %q, %q",
					req.Path, req.RawPath, req.RawQuery, tt.wantPath, tt.wantRawPath, tt.wantQuery)
			}
			if req.Proto != "HTTP/1.1" || !req.ProtoAtLeast(1, 1) || req.Host != "example.com" {
				t.Errorf("Proto, Host = %q, %q", req.Proto, req.Host)
			}
			if req.RemoteAddr != r.RemoteAddr {
				t.Errorf("RemoteAddr = %q, want %q", req.RemoteAddr, r.RemoteAddr)
			}
			var got [][2]string
			for k, v := range req.Header.All() {
				got = append(got, [2]string{k, v})
			}
			if !reflect.DeepEqual(got, tt.wantHeader) {
				t.Errorf("Header = %v, want %v", got, tt.wantHeader)
			}
			if req.ContentLength != tt.wantLength {
				t.Errorf("ContentLength = %d, want %d", req.ContentLength, tt.wantLength)
			}
			body, err := io.ReadAll(req.Body)
			if err != nil || string(body) != tt.wantBody {
				t.Errorf("Body = %q, %v; want %q", body, err, tt.wantBody)
			}
			if err := req.Body.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
}

func TestNewServerRequestContextCloseTrailer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := httptest.NewRequest("POST", "/", strings.NewReader("xyz")).WithContext(ctx)
	r.Close = true
	r.Pattern = "POST /"
	r.Trailer = http.Header{"X-Sum": {"1", "2"}, "X-Alpha": {"a"}}
	req := NewServerRequest(r)
	if !req.Close || req.Pattern != "POST /" {
		t.Errorf("Close, Pattern = %v, %q", req.Close, req.Pattern)
	}
	if req.Trailer.Len() != 0 {
		t.Error("trailer filled before EOF")
	}
	if _, err := io.ReadAll(req.Body); err != nil {
		t.Fatal(err)
	}
	var got [][2]string
	for k, v := range req.Trailer.All() {
		got = append(got, [2]string{k, v})
	}
	want := [][2]string{{"X-Alpha", "a"}, {"X-Sum", "1"}, {"X-Sum", "2"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Trailer = %v, want %v", got, want)
	}
	cancel()
	<-req.Context().Done()
}

// ownServe runs an httpserver handler through Handler on a recorder.
func ownServe(h httpserver.HandlerFunc, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	Handler(h).ServeHTTP(rec, r)
	return rec
}

func TestHandlerResponse(t *testing.T) {
	rec := ownServe(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		if got := w.Header().Get("X-Outer"); got != "" {
			t.Errorf("unexpected X-Outer %q", got)
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Add("X-Multi", "1")
		w.Header().Add("X-Multi", "2")
		w.WriteHeader(httpserver.StatusAccepted)
		w.WriteHeader(httpserver.StatusTeapot) // ignored
		w.WriteString("hello ")
		w.Write([]byte(r.Query().Get("name")))
	}, httptest.NewRequest("GET", "/?name=gopher", nil))
	res := rec.Result()
	if res.StatusCode != 202 || rec.Body.String() != "hello gopher" {
		t.Errorf("got %d %q", res.StatusCode, rec.Body.String())
	}
	if got := res.Header["X-Multi"]; !reflect.DeepEqual(got, []string{"1", "2"}) {
		t.Errorf("X-Multi = %v", got)
	}
}

func TestHandlerDefaultsAndOuterHeader(t *testing.T) {
	rec := httptest.NewRecorder()
	rec.Header().Set("X-Outer", "1") // set by net/http middleware
	rec.Header().Set("X-Drop", "1")
	rec.Header().Set(http.TrailerPrefix+"X-T", "kept")
	Handler(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		if w.Header().Get("X-Outer") != "1" {
			t.Error("the handler does not see the header set by outer middleware")
		}
		w.Header().Del("X-Drop")
	})).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	res := rec.Result()
	if res.StatusCode != 200 || res.Header.Get("X-Outer") != "1" || res.Header.Get("X-Drop") != "" {
		t.Errorf("got %d %v", res.StatusCode, res.Header)
	}
	if res.Trailer.Get("X-T") != "kept" {
		t.Errorf("outer trailer lost: %v", res.Trailer)
	}
}

func TestHandlerTrailersAndFlush(t *testing.T) {
	rec := ownServe(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		w.Header().Set("Trailer", "X-Checksum")
		w.WriteString("part1")
		if err := httpserver.NewResponseController(w).Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
		tr := httpserver.NewResponseController(w).Trailer()
		if tr == nil {
			t.Fatal("no trailer support")
		}
		tr.Set("X-Checksum", "abc")
		tr.Set("X-Undeclared", "dropped")
	}, httptest.NewRequest("GET", "/", nil))
	res := rec.Result()
	if !rec.Flushed {
		t.Error("Flush did not reach the net/http writer")
	}
	if got := res.Trailer.Get("X-Checksum"); got != "abc" {
		t.Errorf("trailer X-Checksum = %q (%v)", got, res.Trailer)
	}
	if _, ok := res.Trailer["X-Undeclared"]; ok {
		t.Error("an undeclared trailer was sent")
	}
}

func TestHandlerUnsupportedAndUnwrap(t *testing.T) {
	rec := ownServe(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		rc := httpserver.NewResponseController(w)
		_, _, err := rc.Hijack()
		if !errors.Is(err, httpserver.ErrNotSupported) || !errors.Is(err, http.ErrNotSupported) {
			t.Errorf("Hijack on a recorder: %v", err)
		}
		if err := rc.SetReadDeadline(time.Now()); !errors.Is(err, httpserver.ErrNotSupported) {
			t.Errorf("SetReadDeadline: %v", err)
		}
		if err := rc.SetWriteDeadline(time.Now()); !errors.Is(err, httpserver.ErrNotSupported) {
			t.Errorf("SetWriteDeadline: %v", err)
		}
		if err := rc.EnableFullDuplex(); !errors.Is(err, httpserver.ErrNotSupported) {
			t.Errorf("EnableFullDuplex: %v", err)
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			t.Fatal("no Unwrap() http.ResponseWriter")
		}
		if _, ok := u.Unwrap().(*httptest.ResponseRecorder); !ok {
			t.Errorf("Unwrap = %T", u.Unwrap())
		}
		n, err := rc.ReadFrom(strings.NewReader("copied"))
		if n != 6 || err != nil {
			t.Errorf("ReadFrom = %d, %v", n, err)
		}
	}, httptest.NewRequest("GET", "/", nil))
	if rec.Body.String() != "copied" {
		t.Errorf("body = %q", rec.Body.String())
	}
}

func TestHandlerAbort(t *testing.T) {
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler", v)
		}
	}()
	ownServe(func(httpserver.ResponseWriter, *httpserver.Request) { panic(httpserver.ErrAbortHandler) },
		httptest.NewRequest("GET", "/", nil))
}

// TestHandlerOnNetHTTPServer runs httpserver handlers inside a stock
// net/http server over a loopback socket.
func TestHandlerOnNetHTTPServer(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "big.txt")
	content := strings.Repeat("sendfile ", 4000)
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.Handle("/stream", Handler(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		w.Header().Set("Trailer", "X-Done")
		w.WriteString("first\n")
		w.Flush()
		<-release // the client has seen "first" before this returns
		w.WriteString("second\n")
		httpserver.NewResponseController(w).Trailer().Set("X-Done", "yes")
	})))
	mux.Handle("/hints", Handler(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		w.Header().Set("Link", "</a.css>; rel=preload")
		w.WriteHeader(httpserver.StatusEarlyHints)
		w.WriteString("final")
	})))
	mux.Handle("/file", Handler(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		f, err := os.Open(file)
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close()
		w.Header().Set("Content-Length", "36000")
		rc := httpserver.NewResponseController(w)
		if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Errorf("SetWriteDeadline: %v", err)
		}
		if err := rc.SetReadDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Errorf("SetReadDeadline: %v", err)
		}
		if err := rc.EnableFullDuplex(); err != nil {
			t.Errorf("EnableFullDuplex: %v", err)
		}
		if n, err := rc.ReadFrom(f); n != 36000 || err != nil {
			t.Errorf("ReadFrom = %d, %v", n, err)
		}
	})))
	mux.Handle("/echo", Handler(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Trailer-Seen", r.Trailer.Get("X-Client-Sum"))
		w.Write(b)
	})))
	mux.Handle("/hijack", Handler(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		c, brw, err := httpserver.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer c.Close()
		brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
		brw.Flush()
		if _, err := w.Write([]byte("x")); !errors.Is(err, httpserver.ErrHijacked) {
			t.Errorf("Write after Hijack: %v", err)
		}
	})))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	client := srv.Client()
	defer client.CloseIdleConnections()

	t.Run("streaming with flush and trailer", func(t *testing.T) {
		res, err := client.Get(srv.URL + "/stream")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		br := bufio.NewReader(res.Body)
		line, err := br.ReadString('\n')
		if line != "first\n" || err != nil {
			t.Fatalf("first line %q, %v", line, err)
		}
		close(release)
		rest, err := io.ReadAll(br)
		if string(rest) != "second\n" || err != nil {
			t.Errorf("rest %q, %v", rest, err)
		}
		if res.Trailer.Get("X-Done") != "yes" {
			t.Errorf("trailer = %v", res.Trailer)
		}
	})
	t.Run("103 early hints", func(t *testing.T) {
		var hints []string
		trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
			hints = append(hints, http.StatusText(code)+" "+h.Get("Link"))
			return nil
		}}
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", srv.URL+"/hints", nil)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !reflect.DeepEqual(hints, []string{"Early Hints </a.css>; rel=preload"}) || string(body) != "final" {
			t.Errorf("hints %v, body %q", hints, body)
		}
	})
	t.Run("ReadFrom a file and deadlines", func(t *testing.T) {
		res, err := client.Get(srv.URL + "/file")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(body) != content || res.ContentLength != 36000 {
			t.Errorf("got %d bytes, Content-Length %d", len(body), res.ContentLength)
		}
	})
	t.Run("chunked request with trailer", func(t *testing.T) {
		pr, pw := io.Pipe()
		req, _ := http.NewRequest("POST", srv.URL+"/echo", pr)
		req.Trailer = http.Header{"X-Client-Sum": nil}
		go func() {
			pw.Write([]byte("payload"))
			req.Trailer.Set("X-Client-Sum", "42")
			pw.Close()
		}()
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(body) != "payload" || res.Header.Get("X-Trailer-Seen") != "42" {
			t.Errorf("body %q, trailer seen %q", body, res.Header.Get("X-Trailer-Seen"))
		}
	})
	t.Run("hijack", func(t *testing.T) {
		c, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(c, "GET /hijack HTTP/1.1\r\nHost: x\r\n\r\n")
		got, err := io.ReadAll(c)
		if err != nil || !strings.HasSuffix(string(got), "\r\n\r\nhijacked") {
			t.Errorf("got %q, %v", got, err)
		}
	})
}
