package middleware

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/rawsock/httpserver"
)

// RequestIDHeader is the header field that carries request IDs, in both
// directions.
const RequestIDHeader = "X-Request-ID"

// maxRequestIDLen caps an accepted incoming request ID.
const maxRequestIDLen = 64

// RequestIDOptions configures [RequestID].
type RequestIDOptions struct {
	// Header is the field read from the request and set on the response;
	// "X-Request-ID" if empty.
	Header string
	// IgnoreIncoming makes every request get a fresh ID even when the
	// client (or a proxy) sent a well-formed one.
	IgnoreIncoming bool
}

// RequestID returns middleware that gives every request an ID: a
// well-formed incoming one (at most 64 characters of A-Z a-z 0-9 . _ -)
// or a new 26-character, time-sortable one (see [NewRequestID]). The ID is
// set on the response header and put in the request context, where
// [RequestIDFrom], [Logger] and [NewLogHandler] find it.
//
// It costs no allocation per request served: the context holds the ID's
// bytes and lives in the server's per-request storage
// ([httpserver.Request.ReuseSlot]), reused by a later request. It asks the
// server for the request's own context only when a handler needs it
// (Done, Err, Deadline or another Value), so that requests whose handlers
// never watch for cancellation do not pay for the server's client-gone
// detection.
//
// Like the Request, the context is the handler's until it returns. A
// context the handler used as one (Done, Err, Deadline or another Value,
// as deriving a cancellable context does) is not reused: it stays valid
// and reports itself cancelled when the connection ends. One that was
// not is reused by a later request, so code that keeps it past the
// handler, for a goroutine that outlives the request say, must first
// derive a context from it or call Err. In race-detector builds such a
// context panics on its first use after its request ended. (A request
// built by hand, as in tests, gets a context of its own, which reports
// itself cancelled once the middleware returns.)
func RequestID(opts RequestIDOptions) httpserver.Middleware {
	name := opts.Header
	if name == "" {
		name = RequestIDHeader
	}
	return func(next httpserver.Handler) httpserver.Handler {
		return httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
			c := takeIDContext(r)
			defer c.end()
			if in := r.Header.Get(name); !opts.IgnoreIncoming && validRequestID(in) {
				c.n = uint8(copy(c.buf[:], in))
			} else {
				encodeID(c.buf[:idLen], time.Now())
				c.n = idLen
			}
			w.Header().Set(name, c.id())
			next.ServeHTTP(w, r.WithContext(c))
		})
	}
}

// errContextAfterReturn is the panic value, in race-detector builds, when
// a request-ID context that would have been reused is used after its
// request ended.
var errContextAfterReturn = errors.New("middleware: request-ID context used after the handler returned; derive a context from it (or call Err) while the request runs to keep it")

// idContext is a context carrying a request ID in its own storage, so that
// the ID costs no allocation of its own. Its parent, the request's context,
// is fetched on first use.
//
// A server-made request keeps its idContext in the request's reuse slot
// (slot), and the next request served with that storage takes it again
// once this one ended, unless it escaped: a fetched parent means a
// handler used it as a context, and may have left goroutines or derived
// contexts holding it. Strings handed out beyond the middleware
// (RequestIDFrom, LoggerFrom) are copies, made once per request, so that
// none changes when the context is reused.
type idContext struct {
	mu     sync.Mutex
	req    *httpserver.Request // the request to take the parent from
	parent atomic.Pointer[context.Context]
	buf    [maxRequestIDLen]byte
	n      uint8

	slot     *any        // the reuse slot holding the context; nil: never reused
	inUse    atomic.Bool // between takeIDContext and end
	released atomic.Bool // race builds: ended, and would have been reused
	kept     string      // the ID as a string of its own, for callers outside

	logBase, logger *slog.Logger // cached by LoggerFrom
}

type requestIDKey struct{}

// endedContext stands for the parent of a request that ended before its
// context was asked for.
var endedContext = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

// takeIDContext returns the context for r's ID: the one kept in r's reuse
// slot when it is free, otherwise a new one, kept there if the slot is
// empty.
func takeIDContext(r *httpserver.Request) *idContext {
	slot := r.ReuseSlot()
	if slot == nil {
		c := &idContext{req: r}
		c.inUse.Store(true)
		return c
	}
	if c, ok := (*slot).(*idContext); ok && c.inUse.CompareAndSwap(false, true) {
		// Ended and not escaped: nothing else holds it (see end).
		c.mu.Lock()
		c.req = r
		c.parent.Store(nil)
		c.kept, c.logBase, c.logger = "", nil, nil
		c.mu.Unlock()
		return c
	}
	c := &idContext{req: r}
	c.inUse.Store(true)
	if *slot == nil {
		c.slot = slot
		*slot = c
	}
	return c
}

func (c *idContext) id() string { return unsafe.String(&c.buf[0], int(c.n)) }

// keptIDLocked returns the ID as a string that stays valid when the
// context is reused. The caller holds c.mu.
func (c *idContext) keptIDLocked() string {
	if c.slot == nil {
		return c.id() // never reused: the bytes stay
	}
	if c.kept == "" {
		c.kept = string(c.buf[:c.n])
	}
	return c.kept
}

// check panics, in race-detector builds, on a use after the request ended
// of a context that would have been reused.
func (c *idContext) check() {
	if raceEnabled && c.released.Load() {
		panic(errContextAfterReturn)
	}
}

// ctx returns the parent context, fetching it on first use.
func (c *idContext) ctx() context.Context {
	c.check()
	if p := c.parent.Load(); p != nil {
		return *p
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.parent.Load(); p != nil {
		return *p
	}
	parent := context.Background()
	if c.req != nil {
		parent = c.req.Context()
		c.req = nil
	}
	c.parent.Store(&parent)
	return parent
}

// end marks the request over: a parent not fetched yet will never be. A
// context whose parent was fetched leaves the reuse slot; one whose was
// not is free for the next request (or, in race builds, released).
func (c *idContext) end() {
	c.mu.Lock()
	defer c.mu.Unlock()
	escaped := c.parent.Load() != nil
	if !escaped {
		c.parent.Store(&endedContext)
	}
	c.req = nil
	switch {
	case c.slot == nil:
	case escaped:
		if *c.slot == any(c) {
			*c.slot = nil
		}
		c.slot = nil
	case raceEnabled:
		c.released.Store(true)
	}
	c.inUse.Store(false)
}

// Deadline implements context.Context.
func (c *idContext) Deadline() (time.Time, bool) { return c.ctx().Deadline() }

// Done implements context.Context.
func (c *idContext) Done() <-chan struct{} { return c.ctx().Done() }

// Err implements context.Context.
func (c *idContext) Err() error { return c.ctx().Err() }

// Value returns the context itself for the request ID key.
func (c *idContext) Value(key any) any {
	if key == (requestIDKey{}) {
		c.check()
		return c
	}
	return c.ctx().Value(key)
}

// idContextOf returns the request-ID context in ctx, or nil.
func idContextOf(ctx context.Context) *idContext {
	if ctx == nil {
		return nil
	}
	c, _ := ctx.Value(requestIDKey{}).(*idContext)
	return c
}

// requestID returns the request ID in ctx, or "", in storage that the
// next request may reuse: for the middleware's own use while the request
// runs.
func requestID(ctx context.Context) string {
	if c := idContextOf(ctx); c != nil {
		return c.id()
	}
	return ""
}

// RequestIDFrom returns the request ID that [RequestID] put in ctx, or "".
// The string stays valid after the request.
func RequestIDFrom(ctx context.Context) string {
	c := idContextOf(ctx)
	if c == nil {
		return ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.keptIDLocked()
}

// validRequestID reports whether an incoming ID is short and made of
// characters safe to log and echo: it is attacker-controlled.
func validRequestID(s string) bool {
	if s == "" || len(s) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// idLen is the length of a generated ID: 10 characters of millisecond
// timestamp and 16 of a per-process random node and counter.
const idLen = 26

// crockford is the Crockford base32 alphabet used by ULIDs: sortable, no
// I, L, O or U.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

var (
	idNode    uint16        // random per process
	idCounter atomic.Uint64 // starts at a random value
)

func init() {
	var b [10]byte
	_, _ = rand.Read(b[:])
	idNode = binary.BigEndian.Uint16(b[:2])
	idCounter.Store(binary.BigEndian.Uint64(b[2:]) >> 1)
}

// NewRequestID returns a new ID in the format [RequestID] generates: 26
// characters of Crockford base32 encoding 48 bits of Unix milliseconds
// followed by 80 bits of a random per-process node and a counter, so that
// IDs sort by creation time and never repeat within a process.
func NewRequestID() string {
	var b [idLen]byte
	encodeID(b[:], time.Now())
	return string(b[:])
}

// encodeID writes a 26-byte ID for time t into b.
func encodeID(b []byte, t time.Time) {
	ms := uint64(t.UnixMilli())
	for i := 9; i >= 0; i-- {
		b[i] = crockford[ms&31]
		ms >>= 5
	}
	hi, lo := idNode, idCounter.Add(1)
	for i := idLen - 1; i >= 10; i-- {
		b[i] = crockford[lo&31]
		lo = lo>>5 | uint64(hi&31)<<59
		hi >>= 5
	}
}
