package nethttp

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/rawsock/httpserver"
)

// serverWriter is the httpserver.ResponseWriter that [Handler] hands to a
// handler of this project. Its header is copied into net/http's header map
// when the response starts; its extra methods are those that
// httpserver.NewResponseController looks for.
type serverWriter struct {
	w           http.ResponseWriter
	rc          *http.ResponseController
	header      httpserver.Header
	trailer     httpserver.Header
	wroteHeader bool
	hijacked    bool
}

var _ httpserver.ResponseWriter = (*serverWriter)(nil)

// newServerWriter returns a writer over w whose header starts with the
// fields net/http middleware already set on w.
func newServerWriter(w http.ResponseWriter) *serverWriter {
	sw := &serverWriter{w: w, rc: http.NewResponseController(w)}
	for k, vs := range w.Header() {
		if strings.HasPrefix(k, http.TrailerPrefix) {
			continue
		}
		for _, v := range vs {
			sw.header.Add(k, v)
		}
	}
	return sw
}

func (sw *serverWriter) Header() *httpserver.Header { return &sw.header }

func (sw *serverWriter) WriteHeader(status int) {
	if sw.hijacked || sw.wroteHeader {
		return
	}
	if status >= 100 && status <= 199 && status != httpserver.StatusSwitchingProtocols {
		sw.syncHeader()
		sw.w.WriteHeader(status)
		return
	}
	sw.wroteHeader = true
	sw.syncHeader()
	sw.w.WriteHeader(status)
}

func (sw *serverWriter) Write(p []byte) (int, error) {
	if sw.hijacked {
		return 0, httpserver.ErrHijacked
	}
	sw.WriteHeader(httpserver.StatusOK)
	n, err := sw.w.Write(p)
	return n, bridgeError(err)
}

func (sw *serverWriter) WriteString(s string) (int, error) {
	if sw.hijacked {
		return 0, httpserver.ErrHijacked
	}
	sw.WriteHeader(httpserver.StatusOK)
	n, err := io.WriteString(sw.w, s)
	return n, bridgeError(err)
}

func (sw *serverWriter) Flush() error {
	if sw.hijacked {
		return httpserver.ErrHijacked
	}
	sw.WriteHeader(httpserver.StatusOK)
	return bridgeError(sw.rc.Flush())
}

// Hijack is found by httpserver.NewResponseController.
func (sw *serverWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if sw.hijacked {
		return nil, nil, httpserver.ErrHijacked
	}
	c, brw, err := sw.rc.Hijack()
	if err != nil {
		return nil, nil, bridgeError(err)
	}
	sw.hijacked = true
	return c, brw, nil
}

// SetReadDeadline is found by httpserver.NewResponseController.
func (sw *serverWriter) SetReadDeadline(t time.Time) error {
	return bridgeError(sw.rc.SetReadDeadline(t))
}

// SetWriteDeadline is found by httpserver.NewResponseController.
func (sw *serverWriter) SetWriteDeadline(t time.Time) error {
	return bridgeError(sw.rc.SetWriteDeadline(t))
}

// EnableFullDuplex is found by httpserver.NewResponseController.
func (sw *serverWriter) EnableFullDuplex() error {
	return bridgeError(sw.rc.EnableFullDuplex())
}

// Trailer is found by httpserver.NewResponseController. The fields named
// in the response's "Trailer" header field are sent after the body.
func (sw *serverWriter) Trailer() *httpserver.Header { return &sw.trailer }

// ReadFrom is found by httpserver.NewResponseController; it uses net/http's
// ReadFrom, and so sendfile(2), when the writer has it.
func (sw *serverWriter) ReadFrom(src io.Reader) (int64, error) {
	if sw.hijacked {
		return 0, httpserver.ErrHijacked
	}
	sw.WriteHeader(httpserver.StatusOK)
	if rf, ok := sw.w.(io.ReaderFrom); ok {
		n, err := rf.ReadFrom(src)
		return n, bridgeError(err)
	}
	n, err := io.Copy(writerOnly{sw.w}, src)
	return n, bridgeError(err)
}

// Unwrap returns the net/http writer.
func (sw *serverWriter) Unwrap() http.ResponseWriter { return sw.w }

// writerOnly hides every method but Write, so io.Copy does not loop back
// into ReadFrom.
type writerOnly struct{ io.Writer }

// syncHeader replaces net/http's header fields with this writer's, leaving
// its trailer keys alone.
func (sw *serverWriter) syncHeader() {
	h := sw.w.Header()
	for k := range h {
		if !strings.HasPrefix(k, http.TrailerPrefix) {
			delete(h, k)
		}
	}
	for name, value := range sw.header.All() {
		key := http.CanonicalHeaderKey(name)
		h[key] = append(h[key], value)
	}
}

// finish completes the response after the handler returned: it sends the
// header if nothing was written, and the trailer fields announced in the
// "Trailer" header field (RFC 9110 §6.6.2).
func (sw *serverWriter) finish() {
	if sw.hijacked {
		return
	}
	sw.WriteHeader(httpserver.StatusOK)
	if sw.trailer.Len() == 0 {
		return
	}
	h := sw.w.Header()
	for name, value := range sw.trailer.All() {
		if sw.header.ContainsToken("Trailer", name) {
			key := http.TrailerPrefix + http.CanonicalHeaderKey(name)
			h[key] = append(h[key], value)
		}
	}
}
