package nethttp

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/syntax"
)

// stdWriter is the http.ResponseWriter that [Wrap] hands to a net/http
// handler. It keeps net/http's header map and copies it into the server's
// header when the response starts; like net/http's server it defers that
// until the first Write or Flush, so that Content-Type can be sniffed from
// the first bytes of the body.
type stdWriter struct {
	w         httpserver.ResponseWriter
	header    http.Header
	status    int  // final status set by WriteHeader, 0 until then
	committed bool // header copied into w and w.WriteHeader called
	hijacked  bool
	written   int64 // body bytes accepted by w
	head      bool  // the request is HEAD: the server discards the body
}

var (
	_ http.ResponseWriter = (*stdWriter)(nil)
	_ http.Flusher        = (*stdWriter)(nil)
	_ http.Hijacker       = (*stdWriter)(nil)
	_ io.ReaderFrom       = (*stdWriter)(nil)
	_ io.StringWriter     = (*stdWriter)(nil)
)

// Header returns the header map. Fields that httpserver middleware set on
// the writer before the net/http handler ran are in it.
func (sw *stdWriter) Header() http.Header {
	if sw.header == nil {
		own := sw.w.Header()
		sw.header = make(http.Header, own.Len())
		for name, value := range own.All() {
			key := canonicalKey(name)
			sw.header[key] = append(sw.header[key], value)
		}
	}
	return sw.header
}

// WriteHeader records the status. A 1xx status other than 101 is sent at
// once with the current header fields, as net/http does (RFC 8297).
func (sw *stdWriter) WriteHeader(code int) {
	if sw.hijacked || sw.status != 0 {
		return
	}
	if code < 100 || code > 999 {
		// Same check and message as net/http's checkWriteHeaderCode.
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if code < 200 && code != http.StatusSwitchingProtocols {
		sw.syncHeader()
		sw.w.WriteHeader(code)
		return
	}
	sw.status = code
}

func (sw *stdWriter) Write(p []byte) (int, error) {
	if sw.hijacked {
		return 0, http.ErrHijacked
	}
	if !sw.committed {
		sw.commit(p)
	}
	n, err := sw.w.Write(p)
	sw.written += int64(n)
	return n, bridgeError(err)
}

func (sw *stdWriter) WriteString(s string) (int, error) {
	if sw.hijacked {
		return 0, http.ErrHijacked
	}
	if !sw.committed {
		if sw.needsSniff() && s != "" {
			sw.commit([]byte(s[:min(len(s), sniffLen)]))
		} else {
			sw.commit(nil)
		}
	}
	n, err := sw.w.WriteString(s)
	sw.written += int64(n)
	return n, bridgeError(err)
}

// Flush implements http.Flusher.
func (sw *stdWriter) Flush() { _ = sw.FlushError() }

// FlushError sends the header and the buffered body; http.ResponseController
// calls it in preference to Flush.
func (sw *stdWriter) FlushError() error {
	if sw.hijacked {
		return http.ErrHijacked
	}
	sw.commit(nil)
	return bridgeError(sw.w.Flush())
}

// Hijack implements http.Hijacker through httpserver's ResponseController.
func (sw *stdWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if sw.hijacked {
		return nil, nil, http.ErrHijacked
	}
	if sw.status != 0 {
		// net/http sends a header already written before hijacking.
		sw.commit(nil)
	}
	c, brw, err := httpserver.NewResponseController(sw.w).Hijack()
	if err != nil {
		return nil, nil, bridgeError(err)
	}
	sw.hijacked = true
	return c, brw, nil
}

// SetReadDeadline is found by http.ResponseController.
func (sw *stdWriter) SetReadDeadline(t time.Time) error {
	return bridgeError(httpserver.NewResponseController(sw.w).SetReadDeadline(t))
}

// SetWriteDeadline is found by http.ResponseController.
func (sw *stdWriter) SetWriteDeadline(t time.Time) error {
	return bridgeError(httpserver.NewResponseController(sw.w).SetWriteDeadline(t))
}

// EnableFullDuplex is found by http.ResponseController.
func (sw *stdWriter) EnableFullDuplex() error {
	return bridgeError(httpserver.NewResponseController(sw.w).EnableFullDuplex())
}

// sniffLen is how many bytes of the body net/http looks at to guess the
// Content-Type.
const sniffLen = 512

var sniffBufs = sync.Pool{New: func() any { return new([sniffLen]byte) }}

// ReadFrom copies src into the body through httpserver's ReadFrom, which
// uses sendfile(2) for files. Like net/http it first copies up to 512 bytes
// through Write, so that the Content-Type can be sniffed and a small body
// still gets a Content-Length.
func (sw *stdWriter) ReadFrom(src io.Reader) (int64, error) {
	if sw.hijacked {
		return 0, http.ErrHijacked
	}
	var n int64
	if !sw.committed {
		buf := sniffBufs.Get().(*[sniffLen]byte)
		m, err := io.ReadFull(src, buf[:])
		if m > 0 {
			_, werr := sw.Write(buf[:m])
			if werr != nil {
				sniffBufs.Put(buf)
				return 0, werr
			}
		}
		sniffBufs.Put(buf)
		n = int64(m)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		sw.commit(nil)
	}
	rc := httpserver.NewResponseController(sw.w)
	if lr, ok := sw.fileRange(src); ok {
		// The server bounds the copy by the declared Content-Length
		// itself; handing it the file rather than the LimitedReader
		// around it (as io.CopyN and http.ServeContent make) keeps a
		// single LimitedReader, which net.TCPConn.ReadFrom turns into
		// sendfile(2).
		m, err := rc.ReadFrom(lr.R)
		lr.N -= m
		sw.written += m
		return n + m, bridgeError(err)
	}
	m, err := rc.ReadFrom(src)
	sw.written += m
	return n + m, bridgeError(err)
}

// fileRange reports whether src is an *io.LimitedReader around an *os.File
// whose limit is no less than what the declared Content-Length leaves to
// send, so that the server's own bound is the right one. A HEAD response or
// one without a body is copied the ordinary way.
func (sw *stdWriter) fileRange(src io.Reader) (*io.LimitedReader, bool) {
	lr, ok := src.(*io.LimitedReader)
	if !ok || sw.header == nil || sw.head || !bodyAllowed(sw.status) {
		return nil, false
	}
	if _, ok := lr.R.(*os.File); !ok {
		return nil, false
	}
	cl := sw.header["Content-Length"]
	if len(cl) != 1 {
		return nil, false
	}
	// The same Content-Length rule as the server applies when it frames
	// the response (RFC 9110 §8.6).
	declared, _, err := syntax.ParseContentLength(cl[0])
	if err != nil {
		return nil, false
	}
	left := declared - sw.written
	return lr, left > 0 && left <= lr.N
}

// needsSniff reports whether the Content-Type must be guessed from the
// body, under the rules of net/http's server.
func (sw *stdWriter) needsSniff() bool {
	status := sw.status
	if status == 0 {
		status = http.StatusOK
	}
	if !bodyAllowed(status) {
		return false
	}
	if sw.header == nil {
		own := sw.w.Header()
		return !own.Has("Content-Type") && own.Get("Content-Encoding") == "" && !own.Has("Transfer-Encoding")
	}
	_, haveType := sw.header["Content-Type"]
	return !haveType && sw.header.Get("Content-Encoding") == "" && sw.header.Get("Transfer-Encoding") == ""
}

// commit starts the response: it sniffs the Content-Type from p when
// needed, copies the header into the server's and writes the status.
func (sw *stdWriter) commit(p []byte) {
	if sw.committed || sw.hijacked {
		return
	}
	sw.committed = true
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	if len(p) > 0 && sw.needsSniff() {
		sw.Header().Set("Content-Type", http.DetectContentType(p))
	}
	sw.syncHeader()
	sw.w.WriteHeader(sw.status)
}

// syncHeader replaces the server's header fields with the header map, in
// sorted order as net/http writes them. Keys with http.TrailerPrefix are
// trailers, not header fields.
func (sw *stdWriter) syncHeader() {
	if sw.header == nil {
		return // untouched: the server's header is already right
	}
	var keyBuf [32]string
	keys := keyBuf[:0]
	for k := range sw.header {
		if !strings.HasPrefix(k, http.TrailerPrefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	own := sw.w.Header()
	own.Reset()
	for _, k := range keys {
		for _, v := range sw.header[k] {
			own.Add(k, v)
		}
	}
}

// finish completes the response after the handler returned: it sends the
// header if nothing was written and hands the trailers over.
func (sw *stdWriter) finish() {
	if sw.hijacked {
		return
	}
	sw.commit(nil)
	if sw.header == nil {
		return
	}
	var trailer *httpserver.Header
	add := func(name string, values []string) {
		if len(values) == 0 {
			return
		}
		if trailer == nil {
			if trailer = httpserver.NewResponseController(sw.w).Trailer(); trailer == nil {
				return
			}
		}
		for _, v := range values {
			trailer.Add(name, v)
		}
	}
	for _, v := range sw.header["Trailer"] {
		for name := range strings.SplitSeq(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				add(name, sw.header[http.CanonicalHeaderKey(name)])
			}
		}
	}
	for k, vs := range sw.header {
		if name, ok := strings.CutPrefix(k, http.TrailerPrefix); ok {
			add(name, vs)
		}
	}
}

// bodyAllowed reports whether a response with the status may carry a body
// (RFC 9110 §6.4.1).
func bodyAllowed(status int) bool {
	switch {
	case status >= 100 && status <= 199:
		return false
	case status == http.StatusNoContent, status == http.StatusNotModified:
		return false
	}
	return true
}
