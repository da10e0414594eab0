package middleware

import (
	"context"
	"crypto/rand"
	"encoding/binary"
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
// It costs one allocation per request served: the context, which holds
// the ID's bytes (the request copy Request.WithContext makes lives in the
// server's per-request storage; a request built by hand, as in tests,
// costs a second allocation for it). The new context
// asks the server for the request's own context only when a handler needs
// it (Done, Err, Deadline or another Value), so that requests whose
// handlers never watch for cancellation do not pay for the server's
// client-gone detection. Once the middleware returns, the context reports
// itself cancelled, like the server's.
func RequestID(opts RequestIDOptions) httpserver.Middleware {
	name := opts.Header
	if name == "" {
		name = RequestIDHeader
	}
	return func(next httpserver.Handler) httpserver.Handler {
		return httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
			c := &idContext{req: r}
			defer c.end()
			if in := r.Header.Get(name); !opts.IgnoreIncoming && validRequestID(in) {
				c.n = uint8(copy(c.buf[:], in))
			} else {
				encodeID(c.buf[:idLen], time.Now())
				c.n = idLen
			}
			id := c.id()
			w.Header().Set(name, id)
			next.ServeHTTP(w, r.WithContext(c))
		})
	}
}

// idContext is a context carrying a request ID in its own storage, so that
// the ID costs no allocation of its own. Its parent, the request's context,
// is fetched on first use.
type idContext struct {
	mu     sync.Mutex
	req    *httpserver.Request // the request to take the parent from
	parent atomic.Pointer[context.Context]
	buf    [maxRequestIDLen]byte
	n      uint8

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

func (c *idContext) id() string { return unsafe.String(&c.buf[0], int(c.n)) }

// ctx returns the parent context, fetching it on first use.
func (c *idContext) ctx() context.Context {
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

// end marks the request over: a parent not fetched yet will never be.
func (c *idContext) end() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.parent.Load() == nil {
		c.parent.Store(&endedContext)
	}
	c.req = nil
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
		return c
	}
	return c.ctx().Value(key)
}

// RequestIDFrom returns the request ID that [RequestID] put in ctx, or "".
func RequestIDFrom(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	if c, ok := ctx.Value(requestIDKey{}).(*idContext); ok {
		return c.id()
	}
	return ""
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
