package config

import (
	"cmp"
	"fmt"
	"net"
	"slices"

	"github.com/rawsock/httpserver"
)

// checkConflicts rejects settings that contradict each other, naming the
// one that has no effect or cannot work where it came from (flag,
// environment or file).
func checkConflicts(c *Config, origin map[string]*Error) error {
	m := &c.Middleware
	fail := func(name, problem string) error {
		e := *origin[name]
		e.Problem = problem
		return &e
	}
	if m.NoMetrics {
		for _, name := range []string{"metrics-path", "metrics-addr"} {
			if origin[name] != nil {
				return fail(name, "set while metrics are off (middleware.metrics: false)")
			}
		}
	}
	if m.MetricsAddr != "" && sameListenAddr(m.MetricsAddr, c.Addr) {
		return fail("metrics-addr", fmt.Sprintf("address %q is the serving address (addr %q)", m.MetricsAddr, c.Addr))
	}
	if m.MetricsAddr != "" && c.Workers > 1 {
		// Each worker would listen on the metrics address and count
		// only its own requests.
		return fail("metrics-addr", fmt.Sprintf("cannot be used with workers (%d): each worker has its own metrics", c.Workers))
	}
	if c.EpollHandOff && c.Engine != httpserver.EngineEpoll {
		// Only the epoll engine serves in place; another would ignore
		// the setting.
		return fail("epoll-hand-off", fmt.Sprintf("set while the engine is not epoll (engine: %s)", cmp.Or(c.Engine, httpserver.DefaultEngine)))
	}
	if m.RateLimit == 0 && origin["rate-burst"] != nil {
		return fail("rate-burst", "set while rate limiting is off (no rate limit)")
	}
	// The file's own origins and credentials were checked together when
	// it was read; origins from a flag or the environment meet the
	// file's credentials only here.
	if m.CORSCredentials && slices.Contains(m.CORSOrigins, "*") {
		return fail("cors-origins", `origin "*" cannot be used with credentials (middleware.cors.credentials: true)`)
	}
	return nil
}

// sameListenAddr reports whether listening on a and b would collide: the
// same fixed port on the same host, or on all interfaces.
func sameListenAddr(a, b string) bool {
	ha, pa, err1 := net.SplitHostPort(a)
	hb, pb, err2 := net.SplitHostPort(b)
	if err1 != nil || err2 != nil || pa != pb || pa == "0" {
		return false
	}
	return ha == hb || wildcardHost(ha) || wildcardHost(hb)
}

func wildcardHost(h string) bool {
	ip := net.ParseIP(h)
	return h == "" || ip != nil && ip.IsUnspecified()
}

// recordOrigins notes where the middleware settings that checkConflicts
// names were set in the file.
func (f *mwSection) recordOrigins(origin map[string]*Error, file string) {
	set := func(name, key string, isSet bool) {
		if isSet {
			origin[name] = &Error{Source: "config", Key: "middleware." + key, File: file}
		}
	}
	set("metrics-path", "metrics_path", f.MetricsPath != nil)
	set("metrics-addr", "metrics_addr", f.MetricsAddr != nil)
	set("cors-origins", "cors.origins", f.CORS != nil && f.CORS.Origins != nil)
	set("rate-burst", "rate_limit.burst", f.RateLimit != nil && f.RateLimit.Burst != "")
}
