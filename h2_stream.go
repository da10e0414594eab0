package httpserver

import (
	"context"
	"errors"
	"io"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/rawsock/httpserver/internal/http2"
	"github.com/rawsock/httpserver/internal/http2/hpack"
)

// h2Exchange is the per-request state of an HTTP/2 stream: the
// protocol-neutral exchange (the Request and its lifetime) with the
// stream's body reader and response writer. Exchanges are pooled across
// streams (race-detector builds excepted, see exchange).
type h2Exchange struct {
	exchange
	body   h2Body
	res    h2Response
	stream *http2.Stream
	cookie []byte // the request's cookie crumbs joined (RFC 9113 §8.2.3)
	// ctx is the request's context, made on first use: one per stream,
	// never reused, so a goroutine may keep it after the handler.
	ctx atomic.Pointer[streamContext]
}

var h2ExchangePool = sync.Pool{New: func() any { return new(h2Exchange) }}

// release marks the request, its body and its response as no longer the
// handler's.
func (ex *h2Exchange) release() {
	ex.exchange.release()
	ex.body.released = true
	ex.res.released = true
}

// ServeStream implements http2.Handler: it serves one stream with the
// Server's Handler, as conn.serveExchange serves an HTTP/1 request.
func (hc *h2Conn) ServeStream(st *http2.Stream) {
	ex := h2ExchangePool.Get().(*h2Exchange)
	ex.begin()
	ex.stream = st
	ex.ctx.Store(nil)
	r := &ex.req
	err := hc.buildRequest(ex, st)
	ex.res.init(hc, st, r, &ex.body)
	if err == nil {
		if cl := st.ContentLength(); cl > hc.srv.cfg.limits.MaxBodyBytes {
			// The declared length is known up front: refuse an oversized
			// body before the handler runs (RFC 9110 §15.5.14).
			err = &ProtocolError{Status: StatusRequestEntityTooLarge, Reason: "Content-Length exceeds the limit", Err: ErrBodyTooLarge}
		}
	}
	if d := hc.srv.cfg.timeouts.Response; d > 0 && r.Protocol == "" {
		// Timeouts.Response caps the response from the end of the
		// request header, as on HTTP/1 (startWriteClock): a Write
		// after it, or waiting past it for the client's windows,
		// fails; a deadline the handler sets replaces it. Not a
		// tunnel's, as not a hijacked conn's.
		st.SetWriteDeadline(time.Now().Add(d))
	}
	if d := hc.srv.cfg.timeouts.Read; d > 0 && r.Protocol == "" {
		// Timeouts.Read bounds reading the request, as on HTTP/1: a
		// body Read still waiting at the deadline fails. Not a tunnel's
		// (extended CONNECT, h2_connect.go), as not a hijacked conn's.
		st.SetReadDeadline(time.Now().Add(d))
	}
	served := false
	if err != nil {
		hc.reject(r, err)
		ex.res.writeError(StatusOf(err))
	} else {
		served = hc.callHandler(ex)
	}
	if ex.res.onShutdownSet {
		hc.shutdownHooks.forget(&ex.res)
	}
	// Released before the stream ends: a client that has the end of
	// this response may send a request whose handler uses what the
	// last one kept, and that use must see the release (a panic in
	// race-detector builds), with no data race.
	ex.release()
	if served {
		ex.res.finish()
	}
	if !raceEnabled {
		h2ExchangePool.Put(ex)
	}
	// In race-detector builds the exchange is dropped: a handler that
	// kept its Request or ResponseWriter panics on the next use.
}

// reject logs a request the server answers itself, before any handler,
// and reports it to Server.Rejected, as the HTTP/1 side does.
func (hc *h2Conn) reject(r *Request, err error) {
	status := StatusOf(err)
	hc.srv.cfg.logger.Debug("httpserver: rejected request", "remote", hc.remoteAddr, "status", status, "err", err)
	if f := hc.srv.Rejected; f != nil {
		f(&RejectedRequest{Time: time.Now(), RemoteAddr: hc.remoteAddr, Method: r.Method, Target: r.Target, Proto: r.Proto,
			Status: status, Err: err})
	}
}

// buildRequest fills the stream's Request from its validated fields.
func (hc *h2Conn) buildRequest(ex *h2Exchange, st *http2.Stream) error {
	r := &ex.req
	p := st.Pseudo()
	r.Method = p.Method
	r.Target = p.Path
	r.Protocol = p.Protocol
	if r.Method == "CONNECT" && r.Protocol == "" {
		// RFC 9113 §8.5: a CONNECT names its target in :authority.
		r.Target = p.Authority
	}
	r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/2.0", 2, 0
	r.RemoteAddr = hc.remoteAddr
	r.TLS = hc.tls
	r.src = ex
	r.Trailer = &ex.trailer
	r.ContentLength = st.ContentLength()
	ex.body.init(st, r.Trailer, bodyLimit(r, hc.srv.cfg.limits.MaxBodyBytes), &ex.res)
	ex.body.tunnel = r.Protocol != ""
	r.Body = &ex.body
	ex.cookie = ex.cookie[:0]
	cookies := 0
	fields := st.Header()
	if len(fields) > hc.srv.cfg.limits.MaxHeaderCount {
		// Limits.MaxHeaderCount holds for every protocol: 431 (RFC
		// 6585 §5). The size of the list is internal/http2's
		// (SETTINGS_MAX_HEADER_LIST_SIZE, from Limits.MaxHeaderBytes).
		return errTooManyHeaders
	}
	for _, f := range fields {
		if f.Name == "cookie" {
			// RFC 9113 §8.2.3: crumbs are joined with "; " into one
			// field for an HTTP/1.1-shaped view of the request.
			if cookies > 0 {
				ex.cookie = append(ex.cookie, "; "...)
			}
			ex.cookie = append(ex.cookie, f.Value...)
			cookies++
			continue
		}
		r.Header.fields = append(r.Header.fields, headerField{f.Name, f.Value})
	}
	if cookies > 0 {
		r.Header.fields = append(r.Header.fields, headerField{"cookie", unsafe.String(&ex.cookie[0], len(ex.cookie))})
	}
	ex.body.expectContinue = r.ExpectsContinue()
	r.Host = p.Authority
	if r.Host == "" {
		// RFC 9113 §8.3.1: without :authority, the Host field applies.
		r.Host = r.Header.Get("Host")
	}
	return parseTarget(r)
}

// callHandler runs the handler, turning a panic into a 500 or, when the
// response had started, a reset stream. It reports whether the exchange
// can be completed normally.
func (hc *h2Conn) callHandler(ex *h2Exchange) (ok bool) {
	r, w := &ex.req, &ex.res
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		ok = false
		if p != ErrAbortHandler {
			hc.srv.cfg.logger.Error("httpserver: panic serving request",
				"remote", hc.remoteAddr, "method", r.Method, "target", r.Target,
				"panic", p, "stack", string(debug.Stack()))
		}
		if p == ErrAbortHandler || w.committed {
			// The client may have part of this response: resetting the
			// stream is the only way to tell it something broke.
			ex.stream.Reset(http2.ErrCodeInternal)
			return
		}
		w.reset()
		w.writeError(StatusInternalServerError)
	}()
	hc.srv.cfg.handler.ServeHTTP(w, r)
	return true
}

// context implements contextSource: the request's context is made when the
// handler first asks for it, and is cancelled when the stream is reset or
// the connection ends.
func (ex *h2Exchange) context() context.Context {
	if c := ex.ctx.Load(); c != nil {
		return c
	}
	c := &streamContext{done: ex.stream.Done()}
	if !ex.ctx.CompareAndSwap(nil, c) {
		return ex.ctx.Load()
	}
	return c
}

// streamContext is the context of an HTTP/2 request: done when its stream
// is.
type streamContext struct {
	done <-chan struct{}
}

func (c *streamContext) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c *streamContext) Done() <-chan struct{}       { return c.done }
func (c *streamContext) Value(any) any               { return nil }
func (c *streamContext) Err() error {
	select {
	case <-c.done:
		return context.Canceled
	default:
		return nil
	}
}

// h2Body is the request body of a stream.
type h2Body struct {
	st       *http2.Stream
	res      *h2Response // to send 100 Continue
	trailer  *Header
	limit    int64
	read     int64
	err      error // sticky: EOF, a stream error or a broken limit
	closed   bool
	released bool
	// expectContinue: the client waits for 100 Continue before it sends
	// the body (RFC 9110 §10.1.1); the first Read sends it.
	expectContinue bool
	// tunnel: the stream is an extended CONNECT tunnel (RFC 8441).
	tunnel bool
}

func (b *h2Body) init(st *http2.Stream, trailer *Header, limit int64, res *h2Response) {
	*b = h2Body{st: st, res: res, trailer: trailer, limit: limit}
}

// Read implements io.Reader. At io.EOF the request's trailers are in
// Request.Trailer.
func (b *h2Body) Read(p []byte) (int, error) {
	if b.released {
		panic(errUsedAfterReturn)
	}
	if b.closed {
		return 0, ErrBodyReadAfterClose
	}
	if b.err != nil {
		return 0, b.err
	}
	if b.expectContinue {
		b.expectContinue = false
		if !b.res.wroteHeader {
			// RFC 9110 §15.2.1: the handler reads the body, so ask
			// the client for it.
			b.st.WriteHeaders(StatusContinue, nil, false)
		}
	}
	n, err := b.st.Read(p)
	b.read += int64(n)
	if b.read > b.limit {
		b.err = &ProtocolError{Status: StatusRequestEntityTooLarge, Reason: "body exceeds the limit", Err: ErrBodyTooLarge}
		return 0, b.err
	}
	if err == io.EOF {
		for _, f := range b.st.Trailers() {
			b.trailer.fields = append(b.trailer.fields, headerField{f.Name, f.Value})
		}
	}
	if errors.Is(err, os.ErrDeadlineExceeded) && !b.tunnel {
		// Timeouts.Read or the handler's read deadline: 408, as the
		// HTTP/1 body reports it (bodyReadError). A tunnel's reads
		// fail as a net.Conn's do.
		err = &ProtocolError{Status: StatusRequestTimeout, Reason: "request body not received in time", Err: err}
	}
	if err != nil {
		b.err = err
	}
	return n, err
}

// Close implements io.Closer: later reads fail; the rest of the body is
// discarded by the connection.
func (b *h2Body) Close() error {
	if b.released {
		panic(errUsedAfterReturn)
	}
	b.closed = true
	return nil
}

// brokeLimit reports whether reading the body broke the body size limit.
func (b *h2Body) brokeLimit() bool {
	return b.err != nil && errors.Is(b.err, ErrBodyTooLarge)
}

// fieldsOf appends h's fields to dst as HPACK fields (internal/http2
// lowercases the names and drops what HTTP/2 forbids).
func fieldsOf(dst []hpack.HeaderField, h *Header) []hpack.HeaderField {
	for _, f := range h.list() {
		dst = append(dst, hpack.HeaderField{Name: f.name, Value: f.value})
	}
	return dst
}
