package middleware

import (
	"strconv"
	"time"

	"github.com/rawsock/httpserver"
)

// SecurityHeadersOptions configures [SecurityHeaders]. The zero value sends
// nosniff, a strict-origin-when-cross-origin referrer policy and
// X-Frame-Options: DENY, and no HSTS or CSP.
type SecurityHeadersOptions struct {
	// HSTSMaxAge, when positive, enables Strict-Transport-Security (RFC
	// 6797) on responses to requests that arrived over TLS (Request.TLS
	// set): a server must not send it over plain HTTP (§7.2), where
	// browsers ignore it anyway (§8.1).
	HSTSMaxAge time.Duration
	// HSTSForce sends HSTS on every response, TLS or not: for deployments
	// behind a TLS-terminating proxy, which reach this server in plain
	// HTTP.
	HSTSForce bool
	// HSTSIncludeSubdomains and HSTSPreload add those directives.
	HSTSIncludeSubdomains, HSTSPreload bool
	// ReferrerPolicy overrides "strict-origin-when-cross-origin"; "-"
	// omits the field.
	ReferrerPolicy string
	// FrameOptions overrides X-Frame-Options "DENY" (e.g. "SAMEORIGIN");
	// "-" omits the field.
	FrameOptions string
	// ContentSecurityPolicy, when set, is sent as Content-Security-Policy,
	// e.g. "default-src 'self'; frame-ancestors 'none'".
	ContentSecurityPolicy string
	// CSPReportOnly sends the policy as Content-Security-Policy-Report-Only.
	CSPReportOnly bool
}

// SecurityHeaders returns middleware setting defensive response fields:
// X-Content-Type-Options: nosniff, Referrer-Policy, X-Frame-Options,
// optionally Content-Security-Policy and Strict-Transport-Security. The
// values are built once; each request only sets them.
func SecurityHeaders(opts SecurityHeadersOptions) httpserver.Middleware {
	type field struct{ name, value string }
	var fields []field
	fields = append(fields, field{"X-Content-Type-Options", "nosniff"})
	if v := or(opts.ReferrerPolicy, "strict-origin-when-cross-origin"); v != "-" {
		fields = append(fields, field{"Referrer-Policy", v})
	}
	if v := or(opts.FrameOptions, "DENY"); v != "-" {
		fields = append(fields, field{"X-Frame-Options", v})
	}
	if opts.ContentSecurityPolicy != "" {
		name := "Content-Security-Policy"
		if opts.CSPReportOnly {
			name += "-Report-Only"
		}
		fields = append(fields, field{name, opts.ContentSecurityPolicy})
	}
	var hsts string
	if opts.HSTSMaxAge > 0 {
		v := "max-age=" + strconv.FormatInt(int64(opts.HSTSMaxAge/time.Second), 10)
		if opts.HSTSIncludeSubdomains {
			v += "; includeSubDomains"
		}
		if opts.HSTSPreload {
			v += "; preload"
		}
		hsts = v
	}
	return func(next httpserver.Handler) httpserver.Handler {
		return httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
			h := w.Header()
			for _, f := range fields {
				h.Set(f.name, f.value)
			}
			if hsts != "" && (opts.HSTSForce || r.TLS != nil) {
				h.Set("Strict-Transport-Security", hsts)
			}
			next.ServeHTTP(w, r)
		})
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
