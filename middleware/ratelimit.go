package middleware

import (
	"hash/maphash"
	"math"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rawsock/httpserver"
)

// RateLimitOptions configures [NewRateLimiter].
type RateLimitOptions struct {
	// Rate is the sustained number of requests per second allowed per
	// key. Required.
	Rate float64
	// Burst is how many requests a key may make at once; max(1, Rate) if
	// zero.
	Burst int
	// Key returns the key to limit r by; the client IP (see [ClientIP])
	// if nil, with IPv6 clients grouped by /64. Return "" to exempt a
	// request.
	Key func(r *httpserver.Request) string
	// TrustedProxies are the peers whose X-Forwarded-For or Forwarded
	// fields are believed when finding the client IP.
	TrustedProxies []netip.Prefix
	// MaxKeys caps the keys tracked at once; 100000 if zero. Memory stays
	// below about 200 bytes per key plus the keys themselves.
	MaxKeys int
	// Policy names the quota policy in the RateLimit and RateLimit-Policy
	// response fields; "default" if empty. Printable ASCII only.
	Policy string
	// now replaces time.Now in tests.
	now func() time.Time
}

// RateLimiter is a token-bucket limiter per key, with lock-striped
// buckets. When a shard is full it evicts its least recently seen key:
// that key starts again with a full burst, so a flood of distinct keys can
// at worst loosen the limit of idle keys, never lock out new clients.
// Buckets that have refilled completely are equivalent to absent ones and
// are evicted first.
type RateLimiter struct {
	rate    float64
	burst   float64
	policy  string         // the RateLimit-Policy field value
	fields  rateFieldCache // RateLimit field values
	key     func(*httpserver.Request) string
	trusted []netip.Prefix
	seed    maphash.Seed
	now     func() time.Time
	epoch   time.Time
	refill  int64 // nanoseconds to refill an empty bucket
	limited atomic.Uint64
	shards  [rateShards]rateShard
}

const rateShards = 64

type rateShard struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	head    bucket // sentinel of the recency list: head.next is the newest
	free    *bucket
	limit   int
	_       [32]byte // keep shards on separate cache lines
}

type bucket struct {
	key        string
	tokens     float64
	last       int64 // nanoseconds since the limiter's epoch
	prev, next *bucket
}

// NewRateLimiter returns a limiter; it panics if Rate is not positive or
// Policy is not printable ASCII.
func NewRateLimiter(opts RateLimitOptions) *RateLimiter {
	if !(opts.Rate > 0) {
		panic("middleware: RateLimitOptions.Rate must be positive")
	}
	name := opts.Policy
	if name == "" {
		name = ratePolicyName
	}
	if !validPolicyName(name) {
		panic("middleware: RateLimitOptions.Policy must be printable ASCII")
	}
	burst := opts.Burst
	if burst <= 0 {
		burst = max(1, int(opts.Rate))
	}
	maxKeys := opts.MaxKeys
	if maxKeys <= 0 {
		maxKeys = 100000
	}
	l := &RateLimiter{
		rate:    opts.Rate,
		burst:   float64(burst),
		policy:  policyField(name, float64(burst), opts.Rate),
		key:     opts.Key,
		trusted: opts.TrustedProxies,
		seed:    maphash.MakeSeed(),
		now:     opts.now,
	}
	l.fields.prefix = string(appendSFString(nil, name)) + ";r="
	if l.now == nil {
		l.now = time.Now
	}
	l.epoch = l.now()
	l.refill = int64(l.burst / l.rate * 1e9)
	for i := range l.shards {
		s := &l.shards[i]
		s.buckets = make(map[string]*bucket)
		// Spread the cap exactly: the first maxKeys%64 shards take one more.
		s.limit = max(1, maxKeys/rateShards)
		if maxKeys >= rateShards && i < maxKeys%rateShards {
			s.limit++
		}
		s.head.next, s.head.prev = &s.head, &s.head
	}
	return l
}

// Decision is the outcome of [RateLimiter.Allow].
type Decision struct {
	// Allowed reports whether the request may proceed.
	Allowed bool
	// Remaining is the number of whole tokens left.
	Remaining int
	// RetryAfter is how long until one token is available (0 if Allowed).
	RetryAfter time.Duration
	// Reset is how long until the bucket is full again.
	Reset time.Duration
}

// Allow takes a token from key's bucket.
func (l *RateLimiter) Allow(key string) Decision {
	return l.allow(key)
}

func (l *RateLimiter) allow(key string) Decision {
	now := int64(l.now().Sub(l.epoch))
	s := &l.shards[maphash.String(l.seed, key)%rateShards]
	s.mu.Lock()
	b := s.buckets[key]
	if b == nil {
		b = s.insert(key, now, l)
	} else {
		b.unlink()
		now = max(now, b.last) // a caller that read the clock earlier
		b.tokens = math.Min(l.burst, b.tokens+float64(now-b.last)*l.rate/1e9)
	}
	b.last = now
	s.pushFront(b)
	var d Decision
	if b.tokens >= 1 {
		b.tokens--
		d.Allowed = true
	} else {
		d.RetryAfter = time.Duration((1 - b.tokens) / l.rate * 1e9)
	}
	d.Remaining = int(b.tokens)
	d.Reset = time.Duration((l.burst - b.tokens) / l.rate * 1e9)
	s.mu.Unlock()
	return d
}

// insert adds a full bucket for key, evicting the least recently seen one
// when the shard is at its cap. The caller holds s.mu.
func (s *rateShard) insert(key string, now int64, l *RateLimiter) *bucket {
	// Buckets idle long enough to have refilled are equivalent to absent
	// ones: drop a couple from the old end on every insert.
	for i := 0; i < 2; i++ {
		if old := s.head.prev; old != &s.head && now-old.last >= l.refill {
			s.evict(old)
		}
	}
	if len(s.buckets) >= s.limit {
		s.evict(s.head.prev)
	}
	b := s.free
	if b != nil {
		s.free = b.next
		*b = bucket{}
	} else {
		b = new(bucket)
	}
	b.key = string([]byte(key)) // key may alias request buffers
	b.tokens = l.burst
	s.buckets[b.key] = b
	return b
}

func (s *rateShard) evict(b *bucket) {
	b.unlink()
	delete(s.buckets, b.key)
	*b = bucket{next: s.free}
	s.free = b
}

func (b *bucket) unlink() {
	b.prev.next, b.next.prev = b.next, b.prev
}

func (s *rateShard) pushFront(b *bucket) {
	b.prev, b.next = &s.head, s.head.next
	s.head.next.prev = b
	s.head.next = b
}

// Len returns the number of keys tracked.
func (l *RateLimiter) Len() int {
	n := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		n += len(s.buckets)
		s.mu.Unlock()
	}
	return n
}

// Limited returns how many requests the middleware rejected.
func (l *RateLimiter) Limited() uint64 { return l.limited.Load() }

// Middleware limits requests by key. Every response to a limited request
// carries the RateLimit-Policy and RateLimit fields of
// draft-ietf-httpapi-ratelimit-headers-11 (see ratelimit_fields.go for
// how the bucket maps onto them); a rejected one is 429 Too Many
// Requests with Retry-After (RFC 6585 §4, RFC 9110 §10.2.3).
//
// On an allowed request, r is the whole tokens left and t the seconds
// until the bucket is full again if the client sends nothing more. On a
// rejected one, r is 0 and t equals Retry-After, the seconds until a
// token is back: the draft (§6) wants Retry-After no earlier than the end
// of the effective window, and the time until the bucket is full would
// push clients to wait up to Burst/Rate seconds for nothing.
func (l *RateLimiter) Middleware(next httpserver.Handler) httpserver.Handler {
	return httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		var d Decision
		if l.key != nil {
			k := l.key(r)
			if k == "" {
				next.ServeHTTP(w, r)
				return
			}
			d = l.allow(k)
		} else {
			var buf [48]byte
			d = l.allow(ipKey(buf[:0], ClientIP(r, l.trusted)))
		}
		h := w.Header()
		// Both fields are Lists: Add keeps the items of another limiter
		// (say a global one around a per-route one).
		h.Add("RateLimit-Policy", l.policy)
		if !d.Allowed {
			l.limited.Add(1)
			note(w, flagRateLimited)
			retry := max(1, ceilSeconds(d.RetryAfter))
			h.Add("RateLimit", l.fields.value(0, int64(retry)))
			h.Set("Retry-After", strconv.Itoa(retry))
			httpserver.Error(w, httpserver.StatusTooManyRequests)
			return
		}
		h.Add("RateLimit", l.fields.value(int64(d.Remaining), int64(ceilSeconds(d.Reset))))
		next.ServeHTTP(w, r)
	})
}

// ipKey formats a client address as a limiter key in buf: IPv6 addresses
// are cut to their /64, which one subscriber usually holds whole. The
// result aliases buf; the limiter copies it only when it stores a new key.
func ipKey(buf []byte, a netip.Addr) string {
	if a.Is6() {
		if p, err := a.Prefix(64); err == nil {
			a = p.Addr()
		}
	}
	buf = a.AppendTo(buf)
	return unsafeString(buf)
}

func ceilSeconds(d time.Duration) int {
	return int((d + time.Second - 1) / time.Second)
}
