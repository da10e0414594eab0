package middleware

import (
	"fmt"
	"net/netip"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/httpservertest"
)

// fakeClock is a settable clock for the limiter.
type fakeClock struct{ ns atomic.Int64 }

func (c *fakeClock) now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) add(d time.Duration) { c.ns.Add(int64(d)) }

func TestRateLimiterBucket(t *testing.T) {
	clk := &fakeClock{}
	l := NewRateLimiter(RateLimitOptions{Rate: 2, Burst: 3, now: clk.now})
	for i := 0; i < 3; i++ {
		if d := l.Allow("k"); !d.Allowed || d.Remaining != 2-i {
			t.Fatalf("burst request %d: %+v", i, d)
		}
	}
	d := l.Allow("k")
	if d.Allowed || d.RetryAfter != 500*time.Millisecond || d.Reset != 1500*time.Millisecond {
		t.Fatalf("over burst: %+v", d)
	}
	clk.add(500 * time.Millisecond)
	if d := l.Allow("k"); !d.Allowed {
		t.Fatalf("after refill of one token: %+v", d)
	}
	if d := l.Allow("other"); !d.Allowed || d.Remaining != 2 {
		t.Fatalf("other key shares the bucket: %+v", d)
	}
	clk.add(time.Hour)
	if d := l.Allow("k"); !d.Allowed || d.Remaining != 2 {
		t.Fatalf("refill capped at burst: %+v", d)
	}
}

// TestRateLimiterHoldsRate drives the limiter from 8 goroutines at ten
// times its rate over 20 simulated seconds and checks that what it lets
// through is within 5% of rate*time+burst.
func TestRateLimiterHoldsRate(t *testing.T) {
	clk := &fakeClock{}
	const rate, burst = 100.0, 10
	l := NewRateLimiter(RateLimitOptions{Rate: rate, Burst: burst, now: clk.now})
	var allowed atomic.Int64
	const steps = 20000 // 1 ms each
	var wg sync.WaitGroup
	for step := 0; step < steps; step++ {
		wg.Add(8)
		for g := 0; g < 8; g++ {
			go func() {
				defer wg.Done()
				if l.Allow("client").Allowed {
					allowed.Add(1)
				}
			}()
		}
		wg.Wait()
		clk.add(time.Millisecond)
	}
	want := rate*float64(steps)/1000 + burst
	got := float64(allowed.Load())
	if got < want*0.95 || got > want*1.05 {
		t.Fatalf("allowed %v of %d, want %v ±5%%", got, steps*8, want)
	}
	t.Logf("allowed %v, ideal %v (%.2f%%)", got, want, 100*(got-want)/want)
}

// TestRateLimiterMemoryBounded feeds a million distinct keys and checks the
// key count stays at the cap and the heap does not grow with the keys.
func TestRateLimiterMemoryBounded(t *testing.T) {
	const maxKeys = 10000
	l := NewRateLimiter(RateLimitOptions{Rate: 1, Burst: 5, MaxKeys: maxKeys})
	var before, after runtime.MemStats
	fill := func(from, to int) {
		buf := make([]byte, 0, 32)
		for i := from; i < to; i++ {
			buf = strconv.AppendInt(append(buf[:0], "key-"...), int64(i), 10)
			if !l.allow(unsafeString(buf)).Allowed {
				t.Fatalf("fresh key %d refused", i)
			}
		}
	}
	fill(0, 100000) // warm up to the cap
	runtime.GC()
	runtime.ReadMemStats(&before)
	fill(100000, 1000000)
	runtime.GC()
	runtime.ReadMemStats(&after)
	if n := l.Len(); n > maxKeys || n < maxKeys*9/10 {
		t.Errorf("Len = %d, want at most %d (and near it)", n, maxKeys)
	}
	growth := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if growth > 4<<20 {
		t.Errorf("heap grew by %d bytes over 900000 new keys", growth)
	}
	t.Logf("keys %d, heap %d -> %d bytes", l.Len(), before.HeapAlloc, after.HeapAlloc)
}

func TestRateLimiterEvictsIdleFirst(t *testing.T) {
	clk := &fakeClock{}
	l := NewRateLimiter(RateLimitOptions{Rate: 10, Burst: 10, MaxKeys: 64 * 4, now: clk.now})
	for i := 0; i < 200; i++ {
		l.Allow(fmt.Sprint("old-", i))
	}
	clk.add(2 * time.Second) // all refilled: idle
	for i := 0; i < 200; i++ {
		l.Allow(fmt.Sprint("new-", i))
	}
	if n := l.Len(); n > 256 {
		t.Errorf("Len = %d over the cap", n)
	}
	if n := l.Len(); n >= 400 {
		t.Errorf("idle keys not evicted: %d", n)
	}
}

func TestRateLimiterPanicsOnBadRate(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for Rate 0")
		}
	}()
	NewRateLimiter(RateLimitOptions{})
}

func TestRateLimitMiddleware(t *testing.T) {
	l := NewRateLimiter(RateLimitOptions{Rate: 0.5, Burst: 2})
	m := NewMetrics(MetricsOptions{})
	h := httpserver.Chain(m.Middleware, l.Middleware)(httpserver.HandlerFunc(ok))
	base := serve(t, h)
	c := client(t)
	for i, want := range []struct {
		status    int
		rateLimit string
	}{
		{200, `"default";r=1;t=2`},
		{200, `"default";r=0;t=4`},
		{429, `"default";r=0;t=2`},
		{429, `"default";r=0;t=2`},
	} {
		resp, body := do(t, c, "GET", base+"/", nil, nil)
		if resp.StatusCode != want.status {
			t.Fatalf("request %d: %d, want %d", i, resp.StatusCode, want.status)
		}
		if p, rl := resp.Header.Get("RateLimit-Policy"), resp.Header.Get("RateLimit"); p != `"default";q=2;w=4` || rl != want.rateLimit {
			t.Errorf("request %d: RateLimit-Policy %q RateLimit %q, want %q", i, p, rl, want.rateLimit)
		}
		for _, old := range []string{"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} {
			if v := resp.Header.Get(old); v != "" {
				t.Errorf("request %d: old-draft field %s: %q", i, old, v)
			}
		}
		if want.status == 429 {
			if ra := resp.Header.Get("Retry-After"); ra != "2" || body != "Too Many Requests\n" {
				t.Errorf("429: Retry-After %q body %q", ra, body)
			}
		}
	}
	if l.Limited() != 2 {
		t.Errorf("Limited = %d", l.Limited())
	}
	if got := metricValue(t, m, "http_requests_rate_limited_total"); got != "2" {
		t.Errorf("rate_limited_total = %s", got)
	}
}

// TestRateLimitFields checks the RateLimit-Policy, RateLimit and
// Retry-After values against a fake clock
// (draft-ietf-httpapi-ratelimit-headers-11 §3, §4, §6).
func TestRateLimitFields(t *testing.T) {
	type step struct {
		after      time.Duration // clock advance before the request
		status     int
		rateLimit  string
		retryAfter string
	}
	tests := []struct {
		name   string
		opts   RateLimitOptions
		policy string
		steps  []step
	}{
		{"slow rate", RateLimitOptions{Rate: 0.5, Burst: 2}, `"default";q=2;w=4`, []step{
			{0, 200, `"default";r=1;t=2`, ""},
			{0, 200, `"default";r=0;t=4`, ""},
			{0, 429, `"default";r=0;t=2`, "2"}, // t = Retry-After: one token in 2 s
			{time.Second, 429, `"default";r=0;t=1`, "1"},
			{time.Second, 200, `"default";r=0;t=4`, ""},
		}},
		{"named policy", RateLimitOptions{Rate: 10, Burst: 20, Policy: "api"}, `"api";q=20;w=2`, []step{
			{0, 200, `"api";r=19;t=1`, ""},
			{0, 200, `"api";r=18;t=1`, ""},
			{time.Hour, 200, `"api";r=19;t=1`, ""},
		}},
		{"window rounded up", RateLimitOptions{Rate: 3, Burst: 10}, `"default";q=10;w=4`, []step{
			{0, 200, `"default";r=9;t=1`, ""},
		}},
		{"burst below rate", RateLimitOptions{Rate: 100, Burst: 1}, `"default";q=1;w=1`, []step{
			{0, 200, `"default";r=0;t=1`, ""},
			{0, 429, `"default";r=0;t=1`, "1"},
		}},
		{"name escaped", RateLimitOptions{Rate: 1, Burst: 1, Policy: `a"b\c`}, `"a\"b\\c";q=1;w=1`, []step{
			{0, 200, `"a\"b\\c";r=0;t=1`, ""},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &fakeClock{}
			tt.opts.now = clk.now
			h := NewRateLimiter(tt.opts).Middleware(httpserver.HandlerFunc(ok))
			for i, s := range tt.steps {
				clk.add(s.after)
				rec := httpservertest.NewRecorder()
				h.ServeHTTP(rec, httpservertest.NewRequest("GET", "/", nil))
				code, hdr, _ := rec.Result()
				if code != s.status || hdr.Get("RateLimit-Policy") != tt.policy ||
					hdr.Get("RateLimit") != s.rateLimit || hdr.Get("Retry-After") != s.retryAfter {
					t.Errorf("step %d: %d RateLimit-Policy %q RateLimit %q Retry-After %q, want %d %q %q %q", i, code,
						hdr.Get("RateLimit-Policy"), hdr.Get("RateLimit"), hdr.Get("Retry-After"),
						s.status, tt.policy, s.rateLimit, s.retryAfter)
				}
			}
		})
	}
}

// TestRateLimitFieldsStack: two limiters around one handler each add
// their item to the RateLimit and RateLimit-Policy Lists.
func TestRateLimitFieldsStack(t *testing.T) {
	global := NewRateLimiter(RateLimitOptions{Rate: 100, Burst: 100, Policy: "global"})
	api := NewRateLimiter(RateLimitOptions{Rate: 1, Burst: 5, Policy: "api"})
	h := httpserver.Chain(global.Middleware, api.Middleware)(httpserver.HandlerFunc(ok))
	rec := httpservertest.NewRecorder()
	h.ServeHTTP(rec, httpservertest.NewRequest("GET", "/", nil))
	_, hdr, _ := rec.Result()
	if got := hdr.Values("RateLimit-Policy"); len(got) != 2 || got[0] != `"global";q=100;w=1` || got[1] != `"api";q=5;w=5` {
		t.Errorf("RateLimit-Policy = %q", got)
	}
	if got := hdr.Values("RateLimit"); len(got) != 2 || got[0] != `"global";r=99;t=1` || got[1] != `"api";r=4;t=1` {
		t.Errorf("RateLimit = %q", got)
	}
}

func TestRateLimiterPanicsOnBadPolicy(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for a policy name with a newline")
		}
	}()
	NewRateLimiter(RateLimitOptions{Rate: 1, Policy: "a\nb"})
}

// TestRateFieldCacheConcurrent: values formatted under concurrent use
// are always the ones asked for.
func TestRateFieldCacheConcurrent(t *testing.T) {
	c := &rateFieldCache{prefix: `"p";r=`}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				r, tt := int64(i%300), int64(i%7+1)
				if got, want := c.value(r, tt), fmt.Sprintf(`"p";r=%d;t=%d`, r, tt); got != want {
					t.Errorf("value(%d, %d) = %q, want %q", r, tt, got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestRateLimitLoopback hammers a limited server over loopback for a
// bounded time: it must never let through more than its budget.
func TestRateLimitLoopback(t *testing.T) {
	const rate, burst = 200.0, 20
	l := NewRateLimiter(RateLimitOptions{Rate: rate, Burst: burst})
	base := serve(t, l.Middleware(httpserver.HandlerFunc(ok)))
	var allowed, limited atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := client(t)
			for time.Since(start) < 500*time.Millisecond {
				resp, err := c.Get(base + "/")
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode == 200 {
					allowed.Add(1)
				} else {
					limited.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	budget := rate*time.Since(start).Seconds() + burst
	if got := float64(allowed.Load()); got > budget*1.05 {
		t.Errorf("allowed %v over a budget of %v", got, budget)
	}
	if limited.Load() == 0 {
		t.Log("the client could not outpace the limit on this machine")
	}
	t.Logf("allowed %d limited %d budget %.0f", allowed.Load(), limited.Load(), budget)
}

func TestRateLimitKeyFunc(t *testing.T) {
	l := NewRateLimiter(RateLimitOptions{Rate: 1, Burst: 1, Key: func(r *httpserver.Request) string {
		return r.Header.Get("X-API-Key")
	}})
	h := l.Middleware(httpserver.HandlerFunc(ok))
	codes := func(key string) int {
		rec := httpservertest.NewRecorder()
		req := httpservertest.NewRequest("GET", "/", nil)
		if key != "" {
			req.Header.Set("X-API-Key", key)
		}
		h.ServeHTTP(rec, req)
		code, _, _ := rec.Result()
		return code
	}
	if codes("a") != 200 || codes("a") != 429 || codes("b") != 200 {
		t.Error("per-key limiting failed")
	}
	for i := 0; i < 3; i++ {
		if codes("") != 200 {
			t.Error("empty key should be exempt")
		}
	}
}

func TestClientIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	tests := []struct {
		name   string
		remote string
		hdr    [][2]string
		want   string
	}{
		{"socket peer", "192.0.2.7:5555", nil, "192.0.2.7"},
		{"untrusted peer ignores XFF", "192.0.2.7:5555", [][2]string{{"X-Forwarded-For", "1.1.1.1"}}, "192.0.2.7"},
		{"trusted peer, one hop", "10.0.0.1:80", [][2]string{{"X-Forwarded-For", "203.0.113.9"}}, "203.0.113.9"},
		{"spoofed left entries ignored", "10.0.0.1:80", [][2]string{{"X-Forwarded-For", "6.6.6.6, 203.0.113.9, 10.0.0.2"}}, "203.0.113.9"},
		{"several XFF fields", "10.0.0.1:80", [][2]string{{"X-Forwarded-For", "6.6.6.6"}, {"X-Forwarded-For", "203.0.113.9, 10.1.1.1"}}, "203.0.113.9"},
		{"all trusted: leftmost", "10.0.0.1:80", [][2]string{{"X-Forwarded-For", "10.0.0.3, 10.0.0.2"}}, "10.0.0.3"},
		{"garbage stops the walk", "10.0.0.1:80", [][2]string{{"X-Forwarded-For", "203.0.113.9, junk, 10.0.0.2"}}, "10.0.0.2"},
		{"Forwarded preferred", "10.0.0.1:80", [][2]string{{"X-Forwarded-For", "1.1.1.1"}, {"Forwarded", `for=198.51.100.4;proto=https, for="10.0.0.9:1234"`}}, "198.51.100.4"},
		{"Forwarded IPv6", "[::1]:80", [][2]string{{"Forwarded", `for="[2001:db8::1]:4711"`}}, "2001:db8::1"},
		{"Forwarded unknown", "10.0.0.1:80", [][2]string{{"Forwarded", `for=unknown`}}, "10.0.0.1"},
		{"mapped IPv4 peer", "[::ffff:192.0.2.1]:80", nil, "192.0.2.1"},
		{"bare address", "192.0.2.8", nil, "192.0.2.8"},
		{"unparsable", "pipe", nil, "invalid IP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httpservertest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, h := range tt.hdr {
				r.Header.Add(h[0], h[1])
			}
			if got := ClientIP(r, trusted).String(); got != tt.want {
				t.Errorf("ClientIP = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestIPKeyGroupsIPv6(t *testing.T) {
	a := ipKey(nil, netip.MustParseAddr("2001:db8:1:2:aaaa::1"))
	b := ipKey(nil, netip.MustParseAddr("2001:db8:1:2:bbbb::2"))
	if a != b || a != "2001:db8:1:2::" {
		t.Errorf("ipKey: %q %q", a, b)
	}
	if k := ipKey(nil, netip.MustParseAddr("192.0.2.1")); k != "192.0.2.1" {
		t.Errorf("ipKey v4 = %q", k)
	}
}
