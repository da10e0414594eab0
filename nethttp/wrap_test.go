package nethttp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/httpservertest"
)

// capWriter is a recorder with every optional capability of a server
// writer, recording how they were used.
type capWriter struct {
	*httpservertest.ResponseRecorder
	conn          net.Conn
	readDeadline  time.Time
	writeDeadline time.Time
	fullDuplex    bool
	readFromSrc   []string // types of the readers given to ReadFrom
	writeErr      error
}

func newCapWriter() *capWriter {
	return &capWriter{ResponseRecorder: httpservertest.NewRecorder()}
}

func (c *capWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if c.Code != 0 {
		return nil, nil, httpserver.ErrAlreadyCommitted
	}
	server, client := net.Pipe()
	c.conn = client
	return server, bufio.NewReadWriter(bufio.NewReader(server), bufio.NewWriter(server)), nil
}
func (c *capWriter) SetReadDeadline(t time.Time) error  { c.readDeadline = t; return nil }
func (c *capWriter) SetWriteDeadline(t time.Time) error { c.writeDeadline = t; return nil }
func (c *capWriter) EnableFullDuplex() error            { c.fullDuplex = true; return nil }
func (c *capWriter) ReadFrom(r io.Reader) (int64, error) {
	c.readFromSrc = append(c.readFromSrc, fmt.Sprintf("%T", r))
	return io.Copy(writerOnly{c.ResponseRecorder}, r)
}
func (c *capWriter) Write(p []byte) (int, error) {
	if c.writeErr != nil {
		return 0, c.writeErr
	}
	return c.ResponseRecorder.Write(p)
}

// unwrapper is middleware's writer: it only forwards, and exposes the
// writer underneath through Unwrap.
type unwrapper struct{ httpserver.ResponseWriter }

func (u unwrapper) Unwrap() httpserver.ResponseWriter { return u.ResponseWriter }

func serveWrapped(t *testing.T, w httpserver.ResponseWriter, target string, h http.HandlerFunc) {
	t.Helper()
	Wrap(h).ServeHTTP(w, httpservertest.NewRequest("GET", target, nil))
}

func headerMap(h *httpserver.Header) map[string][]string {
	m := map[string][]string{}
	for k, v := range h.All() {
		m[k] = append(m[k], v)
	}
	return m
}

func TestWrapResponse(t *testing.T) {
	tests := []struct {
		name       string
		handler    http.HandlerFunc
		wantCode   int
		wantHeader map[string][]string
		wantBody   string
	}{
		{
			name: "explicit status, sorted multi-valued header",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Add("Set-Cookie", "a=1")
				w.Header().Add("Set-Cookie", "b=2")
				w.WriteHeader(http.StatusCreated)
				w.WriteHeader(http.StatusTeapot) // superfluous: ignored
				io.WriteString(w, `{"ok":true}`)
			},
			wantCode:   201,
			wantHeader: map[string][]string{"Content-Type": {"application/json"}, "Set-Cookie": {"a=1", "b=2"}},
			wantBody:   `{"ok":true}`,
		},
		{
			name: "content type sniffed from the first write",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte("<!DOCTYPE html><p>hi</p>"))
			},
			wantCode:   200,
			wantHeader: map[string][]string{"Content-Type": {"text/html; charset=utf-8"}},
			wantBody:   "<!DOCTYPE html><p>hi</p>",
		},
		{
			name: "content type sniffed from WriteString after WriteHeader",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusAccepted)
				w.(io.StringWriter).WriteString("plain words")
			},
			wantCode:   202,
			wantHeader: map[string][]string{"Content-Type": {"text/plain; charset=utf-8"}},
			wantBody:   "plain words",
		},
		{
			name: "nil Content-Type suppresses sniffing",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header()["Content-Type"] = nil
				w.Write([]byte("<html>"))
			},
			wantCode: 200, wantHeader: map[string][]string{}, wantBody: "<html>",
		},
		{
			name: "no sniffing with Content-Encoding or for 204",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "gzip")
				w.Write([]byte("\x1f\x8b"))
			},
			wantCode: 200, wantHeader: map[string][]string{"Content-Encoding": {"gzip"}}, wantBody: "\x1f\x8b",
		},
		{
			name: "empty response is a bare 200",
			handler: func(w http.ResponseWriter, r *http.Request) {
			},
			wantCode: 200, wantHeader: map[string][]string{},
		},
		{
			name: "204 header without sniffing",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-A", "1")
				w.WriteHeader(http.StatusNoContent)
			},
			wantCode: 204, wantHeader: map[string][]string{"X-A": {"1"}},
		},
		{
			name: "sees the request as net/http would",
			handler: func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, "%s %s %s %s %q", r.Method, r.URL.Path, r.URL.Query().Get("q"), r.Host, r.Header.Get("Host"))
			},
			wantCode:   200,
			wantHeader: map[string][]string{"Content-Type": {"text/plain; charset=utf-8"}},
			wantBody:   `GET /p a example.com ""`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httpservertest.NewRecorder()
			serveWrapped(t, rec, "/p?q=a", tt.handler)
			if rec.Code != tt.wantCode {
				t.Errorf("Code = %d, want %d", rec.Code, tt.wantCode)
			}
			if got := headerMap(&rec.HeaderMap); !reflect.DeepEqual(got, tt.wantHeader) {
				t.Errorf("header = %v, want %v", got, tt.wantHeader)
			}
			if got := rec.Body.String(); got != tt.wantBody {
				t.Errorf("body = %q, want %q", got, tt.wantBody)
			}
		})
	}
}

func TestWrapHeaderSetByOuterMiddleware(t *testing.T) {
	inner := Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := w.Header().Get("X-Outer"); got != "1" {
			t.Errorf("X-Outer seen by the net/http handler = %q, want 1", got)
		}
		w.Header().Del("X-Drop")
		w.Header().Set("X-Inner", "2")
	}))
	rec := httpservertest.NewRecorder()
	outer := httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		w.Header().Set("X-Outer", "1")
		w.Header().Set("X-Drop", "x")
		inner.ServeHTTP(w, r)
	})
	outer.ServeHTTP(rec, httpservertest.NewRequest("GET", "/", nil))
	want := map[string][]string{"X-Outer": {"1"}, "X-Inner": {"2"}}
	if got := headerMap(&rec.HeaderMap); !reflect.DeepEqual(got, want) {
		t.Errorf("header = %v, want %v", got, want)
	}

	// A handler that never touches Header() leaves the outer fields.
	rec = httpservertest.NewRecorder()
	inner = Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("x")) }))
	outer.ServeHTTP(rec, httpservertest.NewRequest("GET", "/", nil))
	if got := rec.HeaderMap.Get("X-Drop"); got != "x" {
		t.Errorf("X-Drop = %q, want it kept", got)
	}
	if got := rec.HeaderMap.Get("Content-Type"); got != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type = %q, want sniffed", got)
	}
}

func TestWrapInformational(t *testing.T) {
	rec := httpservertest.NewRecorder()
	var atEarlyHints string
	w := &spyWriter{ResponseWriter: rec, onWriteHeader: func(code int, h *httpserver.Header) {
		if code == 103 {
			atEarlyHints = h.Get("Link")
		}
	}}
	serveWrapped(t, w, "/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.WriteHeader(http.StatusEarlyHints)
		w.WriteHeader(http.StatusOK)
		w.Write([]byte("body"))
	})
	if !reflect.DeepEqual(rec.Informational, []int{103, 103}) {
		t.Errorf("Informational = %v, want [103 103]", rec.Informational)
	}
	if atEarlyHints != "</style.css>; rel=preload" {
		t.Errorf("Link at 103 = %q", atEarlyHints)
	}
	if rec.Code != 200 || rec.HeaderMap.Get("Link") == "" || rec.Body.String() != "body" {
		t.Errorf("final = %d %v %q", rec.Code, headerMap(&rec.HeaderMap), rec.Body.String())
	}
}

// spyWriter reports each WriteHeader with the header as it is then.
type spyWriter struct {
	httpserver.ResponseWriter
	onWriteHeader func(int, *httpserver.Header)
}

func (s *spyWriter) WriteHeader(code int) {
	s.onWriteHeader(code, s.ResponseWriter.Header())
	s.ResponseWriter.WriteHeader(code)
}
func (s *spyWriter) Unwrap() httpserver.ResponseWriter { return s.ResponseWriter }

func TestWrapInvalidStatusPanics(t *testing.T) {
	for _, code := range []int{0, 99, 1000} {
		func() {
			defer func() {
				if v := recover(); v == nil || !strings.Contains(fmt.Sprint(v), "invalid WriteHeader code") {
					t.Errorf("code %d: recovered %v, want the net/http panic", code, v)
				}
			}()
			serveWrapped(t, httpservertest.NewRecorder(), "/", func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(code)
			})
		}()
	}
}

func TestWrapTrailers(t *testing.T) {
	rec := httpservertest.NewRecorder()
	serveWrapped(t, rec, "/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Checksum, X-Unset")
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("data"))
		w.Header().Set("X-Checksum", "abc")
		w.Header().Set(http.TrailerPrefix+"X-Late", "late")
		w.Header().Set("X-Ignored", "not a trailer")
	})
	if _, ok := rec.HeaderMap.Lookup(http.TrailerPrefix + "X-Late"); ok {
		t.Error("a TrailerPrefix key was sent as a header field")
	}
	if got := rec.HeaderMap.Get("Trailer"); got != "X-Checksum, X-Unset" {
		t.Errorf("Trailer header = %q", got)
	}
	tr := httpserver.NewResponseController(rec).Trailer()
	want := map[string][]string{"X-Checksum": {"abc"}, "X-Late": {"late"}}
	if got := headerMap(tr); !reflect.DeepEqual(got, want) {
		t.Errorf("trailer = %v, want %v", got, want)
	}
}

func TestWrapFlush(t *testing.T) {
	for _, how := range []string{"Flusher", "ResponseController"} {
		t.Run(how, func(t *testing.T) {
			rec := httpservertest.NewRecorder()
			serveWrapped(t, rec, "/", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				if how == "Flusher" {
					w.(http.Flusher).Flush()
				} else if err := http.NewResponseController(w).Flush(); err != nil {
					t.Errorf("Flush: %v", err)
				}
				if rec.Code != 200 || rec.HeaderMap.Get("Content-Type") != "text/event-stream" {
					t.Errorf("after Flush: code %d, header %v", rec.Code, headerMap(&rec.HeaderMap))
				}
				w.Write([]byte("data: 1\n\n"))
			})
			if !rec.Flushed || rec.Body.String() != "data: 1\n\n" {
				t.Errorf("Flushed = %v, body %q", rec.Flushed, rec.Body.String())
			}
		})
	}
}

func TestWrapHijack(t *testing.T) {
	cw := newCapWriter()
	var w unwrapper = unwrapper{cw} // reached through an Unwrap chain
	serveWrapped(t, w, "/", func(w http.ResponseWriter, r *http.Request) {
		c, brw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Fatalf("Hijack: %v", err)
		}
		defer c.Close()
		if brw == nil || brw.Reader == nil || brw.Writer == nil {
			t.Fatal("Hijack returned no buffered reader/writer")
		}
		if _, _, err := http.NewResponseController(w).Hijack(); !errors.Is(err, http.ErrHijacked) {
			t.Errorf("second Hijack: %v", err)
		}
		if _, err := w.Write([]byte("x")); !errors.Is(err, http.ErrHijacked) {
			t.Errorf("Write after Hijack: %v, want http.ErrHijacked", err)
		}
		if _, err := w.(io.StringWriter).WriteString("x"); !errors.Is(err, http.ErrHijacked) {
			t.Errorf("WriteString after Hijack: %v", err)
		}
		if _, err := w.(io.ReaderFrom).ReadFrom(strings.NewReader("x")); !errors.Is(err, http.ErrHijacked) {
			t.Errorf("ReadFrom after Hijack: %v", err)
		}
		if err := http.NewResponseController(w).Flush(); !errors.Is(err, http.ErrHijacked) {
			t.Errorf("Flush after Hijack: %v", err)
		}
		w.WriteHeader(500) // ignored
		go func() {
			brw.WriteString("HTTP/1.1 101 Switching Protocols\r\n\r\n")
			brw.Flush()
		}()
		line, err := bufio.NewReader(cw.conn).ReadString('\n')
		if err != nil || line != "HTTP/1.1 101 Switching Protocols\r\n" {
			t.Errorf("read from hijacked conn: %q, %v", line, err)
		}
		cw.conn.Close()
	})
	if cw.Code != 0 {
		t.Errorf("the server wrote status %d after a hijack", cw.Code)
	}
}

func TestWrapHijackAfterWriteHeader(t *testing.T) {
	cw := newCapWriter()
	serveWrapped(t, cw, "/", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _, err := w.(http.Hijacker).Hijack()
		if !errors.Is(err, httpserver.ErrAlreadyCommitted) {
			t.Errorf("Hijack after WriteHeader: %v, want the core's ErrAlreadyCommitted", err)
		}
	})
	if cw.Code != 200 {
		t.Errorf("Code = %d, want 200 sent before the hijack attempt", cw.Code)
	}
}

func TestWrapUnsupported(t *testing.T) {
	serveWrapped(t, httpservertest.NewRecorder(), "/", func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		checks := map[string]error{
			"SetReadDeadline":  rc.SetReadDeadline(time.Now()),
			"SetWriteDeadline": rc.SetWriteDeadline(time.Now()),
			"EnableFullDuplex": rc.EnableFullDuplex(),
		}
		_, _, checks["Hijack"] = rc.Hijack()
		for name, err := range checks {
			if !errors.Is(err, http.ErrNotSupported) || !errors.Is(err, httpserver.ErrNotSupported) {
				t.Errorf("%s: %v, want both ErrNotSupported", name, err)
			}
			if err != nil && err.Error() != httpserver.ErrNotSupported.Error() {
				t.Errorf("%s: message %q", name, err)
			}
		}
	})
}

func TestWrapDeadlinesAndFullDuplex(t *testing.T) {
	cw := newCapWriter()
	rd := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	wd := rd.Add(time.Hour)
	serveWrapped(t, unwrapper{cw}, "/", func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if err := rc.SetReadDeadline(rd); err != nil {
			t.Error(err)
		}
		if err := rc.SetWriteDeadline(wd); err != nil {
			t.Error(err)
		}
		if err := rc.EnableFullDuplex(); err != nil {
			t.Error(err)
		}
	})
	if !cw.readDeadline.Equal(rd) || !cw.writeDeadline.Equal(wd) || !cw.fullDuplex {
		t.Errorf("deadlines %v %v, full duplex %v", cw.readDeadline, cw.writeDeadline, cw.fullDuplex)
	}
}

func TestWrapReadFrom(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name         string
		size         int
		contentType  string
		wantReadFrom bool
		wantType     string
		method       string
		length       bool   // declare Content-Length, as http.ServeContent does
		wantSrc      string // the reader the server's ReadFrom gets
	}{
		{"large file goes to the server's ReadFrom", 3000, "", true, "text/plain; charset=utf-8", "GET", false, "*io.LimitedReader"},
		{"small file is written and sniffed", 100, "", false, "text/plain; charset=utf-8", "GET", false, ""},
		{"exactly the sniff length", 512, "", true, "text/plain; charset=utf-8", "GET", false, "*io.LimitedReader"},
		{"declared type is kept", 3000, "application/octet-stream", true, "application/octet-stream", "GET", false, "*io.LimitedReader"},
		{"declared length hands over the file for sendfile", 3000, "", true, "text/plain; charset=utf-8", "GET", true, "*os.File"},
		{"HEAD keeps the limit", 3000, "", true, "text/plain; charset=utf-8", "HEAD", true, "*io.LimitedReader"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := strings.Repeat("0123456789abcdef", tt.size/16+1)[:tt.size]
			path := filepath.Join(dir, "f")
			if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			cw := newCapWriter()
			Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				if tt.length {
					w.Header().Set("Content-Length", fmt.Sprint(tt.size))
				}
				// http.ServeContent copies a file range this way.
				n, err := io.CopyN(w, f, int64(tt.size))
				if n != int64(tt.size) || err != nil {
					t.Errorf("CopyN = %d, %v", n, err)
				}
			})).ServeHTTP(cw, httpservertest.NewRequest(tt.method, "/", nil))
			if cw.Body.String() != data {
				t.Errorf("body of %d bytes differs", cw.Body.Len())
			}
			if got := len(cw.readFromSrc) > 0; got != tt.wantReadFrom {
				t.Errorf("server ReadFrom used = %v (%v), want %v", got, cw.readFromSrc, tt.wantReadFrom)
			}
			if tt.wantReadFrom && cw.readFromSrc[0] != tt.wantSrc {
				t.Errorf("ReadFrom got %s, want %s", cw.readFromSrc[0], tt.wantSrc)
			}
			if got := cw.HeaderMap.Get("Content-Type"); got != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantType)
			}
		})
	}
}

func TestWrapReadFromErrors(t *testing.T) {
	boom := errors.New("boom")
	serveWrapped(t, newCapWriter(), "/", func(w http.ResponseWriter, r *http.Request) {
		n, err := w.(io.ReaderFrom).ReadFrom(io.MultiReader(strings.NewReader("abc"), errReader{boom}))
		if n != 3 || !errors.Is(err, boom) {
			t.Errorf("ReadFrom = %d, %v; want 3, boom", n, err)
		}
	})
	cw := newCapWriter()
	cw.writeErr = httpserver.ErrBodyNotAllowed
	serveWrapped(t, cw, "/", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotModified)
		_, err := w.(io.ReaderFrom).ReadFrom(strings.NewReader("abc"))
		if !errors.Is(err, http.ErrBodyNotAllowed) {
			t.Errorf("ReadFrom on 304 = %v, want http.ErrBodyNotAllowed", err)
		}
	})
}

func TestWrapWriteErrorsBridge(t *testing.T) {
	cw := newCapWriter()
	cw.writeErr = fmt.Errorf("wrapped: %w", httpserver.ErrContentLength)
	serveWrapped(t, cw, "/", func(w http.ResponseWriter, r *http.Request) {
		_, err := w.Write([]byte("too much"))
		if !errors.Is(err, http.ErrContentLength) || !errors.Is(err, httpserver.ErrContentLength) {
			t.Errorf("Write error = %v, want both ErrContentLength", err)
		}
	})
}

func TestWrapBadTarget(t *testing.T) {
	rec := httpservertest.NewRecorder()
	called := false
	h := Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
	r := httpservertest.NewRequest("GET", "/", nil)
	r.Target = "/%zz"
	h.ServeHTTP(rec, r)
	if called || rec.Code != 400 {
		t.Errorf("called = %v, code %d; want 400 without calling the handler", called, rec.Code)
	}
}

func TestWrapAbortHandler(t *testing.T) {
	h := Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }))
	defer func() {
		if v := recover(); v != httpserver.ErrAbortHandler {
			t.Errorf("recovered %v, want httpserver.ErrAbortHandler", v)
		}
	}()
	h.ServeHTTP(httpservertest.NewRecorder(), httpservertest.NewRequest("GET", "/", nil))
}

func TestWrapOtherPanicUnchanged(t *testing.T) {
	h := Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("mine") }))
	defer func() {
		if v := recover(); v != "mine" {
			t.Errorf("recovered %v, want the original value", v)
		}
	}()
	h.ServeHTTP(httpservertest.NewRecorder(), httpservertest.NewRequest("GET", "/", nil))
}

func TestRoundTripIdentity(t *testing.T) {
	own := &ownHandler{}
	if got := Wrap(Handler(own)); got != httpserver.Handler(own) {
		t.Errorf("Wrap(Handler(h)) = %v, want h", got)
	}
	std := http.NotFoundHandler()
	if got := Handler(Wrap(std)); reflect.ValueOf(got).Pointer() != reflect.ValueOf(std).Pointer() {
		t.Errorf("Handler(Wrap(h)) is not h")
	}
}

type ownHandler struct{}

func (*ownHandler) ServeHTTP(httpserver.ResponseWriter, *httpserver.Request) {}
