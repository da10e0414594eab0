package middleware

import (
	"compress/flate"
	"compress/gzip"
	"io"
	"strings"
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/rawsock/httpserver"
)

// CompressOptions configures [Compress].
type CompressOptions struct {
	// Level is the gzip/deflate level, 1 (fastest) to 9 (smallest); 5 if
	// zero.
	Level int
	// MinSize is the smallest body worth compressing; smaller bodies are
	// sent as they are. The compressor buffers up to MinSize bytes before
	// deciding, unless the handler flushes first. 1024 if zero.
	MinSize int
	// ContentTypes lists the compressible media types; a trailing "/*"
	// matches a whole type ("text/*"). If empty, DefaultCompressibleTypes.
	ContentTypes []string
	// NoZstd leaves zstd out of the negotiation (gzip and deflate only).
	NoZstd bool
}

// DefaultCompressibleTypes are the media types compressed by default.
// Media types ending in "+json" or "+xml" are always compressible.
var DefaultCompressibleTypes = []string{
	"text/*",
	"application/json",
	"application/javascript",
	"application/x-javascript",
	"application/ecmascript",
	"application/xml",
	"application/wasm",
	"application/manifest+json",
	"application/x-ndjson",
	"application/graphql-response+json",
	"image/svg+xml",
	"image/x-icon",
	"font/ttf",
	"font/otf",
}

type compressor struct {
	level   int
	minSize int
	noZstd  bool
	exact   []string
	prefix  []string
	pools   [numEncodings]sync.Pool // encoders by coding
	writers sync.Pool
}

// Compress returns middleware that compresses responses with zstd, gzip or
// deflate as negotiated with Accept-Encoding (zstd preferred on ties).
// zstd comes from github.com/klauspost/compress (pure Go, no net/http);
// brotli is left out because the Go brotli package imports net/http. A response is compressed
// when its Content-Type is in the allow list, it has no Content-Encoding
// yet, its status allows content and is not 206, the request is not HEAD
// and has no Range field, and its body reaches MinSize (or the handler
// flushes). Compressed responses lose Content-Length (they are sent
// chunked or with the compressed length) and have a strong ETag weakened;
// every response of a compressible type gets "Vary: Accept-Encoding".
// Encoders are pooled.
func Compress(opts CompressOptions) httpserver.Middleware {
	c := &compressor{level: opts.Level, minSize: opts.MinSize, noZstd: opts.NoZstd}
	if c.level <= 0 || c.level > 9 {
		c.level = 5
	}
	if c.minSize <= 0 {
		c.minSize = 1024
	}
	types := opts.ContentTypes
	if len(types) == 0 {
		types = DefaultCompressibleTypes
	}
	for _, t := range types {
		t = strings.ToLower(t)
		if p, ok := strings.CutSuffix(t, "/*"); ok {
			c.prefix = append(c.prefix, p+"/")
		} else {
			c.exact = append(c.exact, t)
		}
	}
	c.writers.New = func() any { return &compressWriter{c: c} }
	return c.middleware
}

func (c *compressor) middleware(next httpserver.Handler) httpserver.Handler {
	return httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		enc := negotiateEncoding(r, c.allowed)
		// RFC 9110 §14.2: a Range applies to the selected representation;
		// compressing on the fly would change the bytes it addresses. A
		// HEAD response has no body to compress. Both still get Vary.
		if r.Method == "HEAD" || r.Header.Has("Range") {
			enc = encIdentity
		}
		cw := c.writers.Get().(*compressWriter)
		buf := cw.buf[:0]
		*cw = compressWriter{c: c, w: w, enc: enc, buf: buf}
		next.ServeHTTP(cw, r)
		cw.finish()
		cw.w = nil
		c.writers.Put(cw)
	})
}

// allowed reports whether the compressor may use enc.
func (c *compressor) allowed(enc encoding) bool { return enc != encZstd || !c.noZstd }

// compressible reports whether a Content-Type value names an allowed type.
func (c *compressor) compressible(ct string) bool {
	if ct == "" {
		return false
	}
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.TrimSpace(mt)
	for _, e := range c.exact {
		if strings.EqualFold(mt, e) {
			return true
		}
	}
	for _, p := range c.prefix {
		if len(mt) > len(p) && strings.EqualFold(mt[:len(p)], p) {
			return true
		}
	}
	if i := strings.LastIndexByte(mt, '+'); i >= 0 {
		suffix := mt[i+1:]
		return strings.EqualFold(suffix, "json") || strings.EqualFold(suffix, "xml")
	}
	return false
}

// encoder is the common interface of *gzip.Writer and *flate.Writer.
type encoder interface {
	io.Writer
	Flush() error
	Close() error
	Reset(io.Writer)
}

func (c *compressor) getEncoder(enc encoding, w io.Writer) encoder {
	if z, ok := c.pools[enc].Get().(encoder); ok {
		z.Reset(w)
		return z
	}
	switch enc {
	case encGzip:
		z, _ := gzip.NewWriterLevel(w, c.level)
		return z
	case encZstd:
		level := zstd.SpeedDefault
		switch {
		case c.level <= 3:
			level = zstd.SpeedFastest
		case c.level >= 8:
			level = zstd.SpeedBetterCompression
		}
		// A 256 KiB window and no goroutines keep a pooled encoder small.
		z, _ := zstd.NewWriter(w, zstd.WithEncoderLevel(level), zstd.WithEncoderConcurrency(1),
			zstd.WithWindowSize(256<<10), zstd.WithLowerEncoderMem(true))
		return z
	default:
		z, _ := flate.NewWriter(w, c.level)
		return z
	}
}

func (c *compressor) putEncoder(enc encoding, z encoder) {
	z.Reset(io.Discard)
	c.pools[enc].Put(z)
}

// compressWriter holds back the header and the first MinSize bytes of a
// response until it knows whether to compress it.
type compressWriter struct {
	c           *compressor
	w           httpserver.ResponseWriter
	enc         encoding // negotiated; encIdentity if none
	status      int
	wroteHeader bool // the handler set the final status
	decided     bool // the header has gone down, compressed or not
	compressing bool
	z           encoder
	buf         []byte
	err         error
}

// Header implements httpserver.ResponseWriter.
func (cw *compressWriter) Header() *httpserver.Header { return cw.w.Header() }

// WriteHeader implements httpserver.ResponseWriter. 1xx responses pass at
// once; the final status is held until the body decides the coding.
func (cw *compressWriter) WriteHeader(status int) {
	if cw.wroteHeader {
		return
	}
	if status < 200 && status != httpserver.StatusSwitchingProtocols {
		cw.w.WriteHeader(status)
		return
	}
	cw.wroteHeader, cw.status = true, status
	if !cw.eligible() {
		cw.decide(false)
	}
}

// eligible reports whether the response as set so far may be compressed;
// only the body size is still unknown.
func (cw *compressWriter) eligible() bool {
	h := cw.w.Header()
	switch {
	case cw.status == httpserver.StatusNoContent, cw.status == httpserver.StatusNotModified,
		cw.status == httpserver.StatusPartialContent, cw.status < 200:
		return false
	case h.Has("Content-Encoding"), h.Has("Content-Range"):
		return false
	}
	ct := h.Get("Content-Type")
	if !cw.c.compressible(ct) {
		return false
	}
	h.Add("Vary", "Accept-Encoding")
	if cw.enc == encIdentity {
		return false
	}
	if cl, ok := h.Lookup("Content-Length"); ok && len(cl) < 6 {
		n := 0
		for i := 0; i < len(cl); i++ {
			n = n*10 + int(cl[i]-'0')
		}
		if n < cw.c.minSize {
			return false
		}
	}
	return true
}

// decide sends the header down, set up for compression or not.
func (cw *compressWriter) decide(compress bool) {
	cw.decided = true
	if compress {
		h := cw.w.Header()
		h.Del("Content-Length")
		h.Del("Accept-Ranges")
		h.Set("Content-Encoding", encodingNames[cw.enc])
		// RFC 9110 §8.8.3: a strong validator names exact bytes; the
		// compressed ones differ per coding, so weaken it.
		if et := h.Get("ETag"); strings.HasPrefix(et, "\"") {
			h.Set("ETag", "W/"+et)
		}
		cw.compressing = true
		cw.z = cw.c.getEncoder(cw.enc, cw.w)
	}
	cw.w.WriteHeader(cw.status)
}

// Write implements httpserver.ResponseWriter.
func (cw *compressWriter) Write(p []byte) (int, error) {
	if !cw.wroteHeader {
		cw.WriteHeader(httpserver.StatusOK)
	}
	if !cw.decided {
		if len(cw.buf)+len(p) < cw.c.minSize {
			cw.buf = append(cw.buf, p...)
			return len(p), nil
		}
		cw.decide(true)
		if err := cw.drain(); err != nil {
			return 0, err
		}
	}
	if cw.compressing {
		n, err := cw.z.Write(p)
		if err != nil {
			cw.err = err
		}
		return n, err
	}
	return cw.w.Write(p)
}

// WriteString implements httpserver.ResponseWriter.
func (cw *compressWriter) WriteString(s string) (int, error) {
	if cw.decided && !cw.compressing {
		return cw.w.WriteString(s)
	}
	return cw.Write(unsafeBytes(s))
}

// drain writes the held-back bytes through the chosen path.
func (cw *compressWriter) drain() error {
	if len(cw.buf) == 0 {
		return nil
	}
	var err error
	if cw.compressing {
		_, err = cw.z.Write(cw.buf)
	} else {
		_, err = cw.w.Write(cw.buf)
	}
	cw.buf = cw.buf[:0]
	if err != nil {
		cw.err = err
	}
	return err
}

// Flush implements httpserver.ResponseWriter: a flush before MinSize
// bytes means a stream, which is compressed if eligible.
func (cw *compressWriter) Flush() error {
	if !cw.wroteHeader {
		cw.WriteHeader(httpserver.StatusOK)
	}
	if !cw.decided {
		cw.decide(true)
		if err := cw.drain(); err != nil {
			return err
		}
	}
	if cw.compressing {
		if err := cw.z.Flush(); err != nil {
			return err
		}
	}
	return cw.w.Flush()
}

// ReadFrom copies src through the compressor, or hands it to the
// underlying writer (keeping sendfile) when the response is not
// compressed.
func (cw *compressWriter) ReadFrom(src io.Reader) (int64, error) {
	if !cw.wroteHeader {
		cw.WriteHeader(httpserver.StatusOK)
	}
	if !cw.decided && len(cw.buf) == 0 {
		// Eligible so far; a declared length decides without reading.
		if cw.w.Header().Has("Content-Length") {
			cw.decide(true)
		}
	}
	if cw.decided && !cw.compressing {
		return httpserver.NewResponseController(cw.w).ReadFrom(src)
	}
	return io.Copy(writerOnly{cw}, src)
}

// writerOnly hides ReadFrom from io.Copy.
type writerOnly struct{ io.Writer }

// Unwrap returns the wrapped writer, for httpserver.NewResponseController.
// Writing to it directly would bypass the compressor.
func (cw *compressWriter) Unwrap() httpserver.ResponseWriter { return cw.w }

// finish completes the response after the handler returned.
func (cw *compressWriter) finish() {
	if !cw.wroteHeader {
		if len(cw.buf) == 0 {
			return // nothing written: let the server answer 200 itself
		}
		cw.WriteHeader(httpserver.StatusOK)
	}
	if !cw.decided {
		cw.decide(false) // the whole body is below MinSize
		cw.drain()
	}
	if cw.compressing {
		if cw.err == nil {
			cw.z.Close()
		}
		cw.c.putEncoder(cw.enc, cw.z)
		cw.z = nil
	}
}
