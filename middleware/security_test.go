package middleware

import (
	"crypto/tls"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/httpservertest"
)

func TestSecurityHeaders(t *testing.T) {
	tests := []struct {
		name string
		opts SecurityHeadersOptions
		tls  bool // the request arrived over TLS
		want map[string]string
	}{
		{"defaults", SecurityHeadersOptions{}, true, map[string]string{
			"X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin",
			"X-Frame-Options": "DENY", "Strict-Transport-Security": "", "Content-Security-Policy": ""}},
		{"HSTS not over plain HTTP", SecurityHeadersOptions{HSTSMaxAge: time.Hour}, false, map[string]string{"Strict-Transport-Security": ""}},
		{"HSTS over TLS", SecurityHeadersOptions{HSTSMaxAge: time.Hour}, true, map[string]string{"Strict-Transport-Security": "max-age=3600"}},
		{"HSTS forced", SecurityHeadersOptions{HSTSMaxAge: 365 * 24 * time.Hour, HSTSForce: true, HSTSIncludeSubdomains: true, HSTSPreload: true}, false,
			map[string]string{"Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload"}},
		{"CSP", SecurityHeadersOptions{ContentSecurityPolicy: "default-src 'self'; frame-ancestors 'none'", FrameOptions: "-", ReferrerPolicy: "no-referrer"}, false,
			map[string]string{"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'", "X-Frame-Options": "", "Referrer-Policy": "no-referrer"}},
		{"CSP report only", SecurityHeadersOptions{ContentSecurityPolicy: "default-src 'self'", CSPReportOnly: true, ReferrerPolicy: "-", FrameOptions: "SAMEORIGIN"}, false,
			map[string]string{"Content-Security-Policy-Report-Only": "default-src 'self'", "Content-Security-Policy": "", "Referrer-Policy": "", "X-Frame-Options": "SAMEORIGIN"}},
	}
	for _, tt := range tests {
		rec := httpservertest.NewRecorder()
		r := httpservertest.NewRequest("GET", "/", nil)
		if tt.tls {
			r.TLS = &tls.ConnectionState{Version: tls.VersionTLS13}
		}
		SecurityHeaders(tt.opts)(httpserver.HandlerFunc(ok)).ServeHTTP(rec, r)
		for k, v := range tt.want {
			if got := rec.HeaderMap.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", tt.name, k, got, v)
			}
		}
	}
}

func TestSecurityHeadersOverSocket(t *testing.T) {
	base := serve(t, SecurityHeaders(SecurityHeadersOptions{})(httpserver.HandlerFunc(ok)))
	resp, _ := do(t, client(t), "GET", base+"/", nil, nil)
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("headers: %v", resp.Header)
	}
}
