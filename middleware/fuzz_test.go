package middleware

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/rawsock/httpserver/httpservertest"
	"github.com/rawsock/httpserver/internal/accept"
)

// FuzzNegotiateEncoding checks that any Accept-Encoding value yields a
// supported coding, and never one the client excluded with q=0.
func FuzzNegotiateEncoding(f *testing.F) {
	for _, s := range []string{"gzip", "gzip;q=0, deflate", "*;q=0.5, gzip;q=0", "deflate;q=1.000", ",;q=,", "x-gzip;Q=0.9", "gzip;q=0.5x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ae string) {
		r := httpservertest.NewRequest("GET", "/", nil)
		r.Header.Add("Accept-Encoding", ae)
		enc := negotiateEncoding(r, func(encoding) bool { return true })
		if enc >= numEncodings {
			t.Fatalf("encoding %d", enc)
		}
		if enc == encIdentity {
			return
		}
		name := encodingNames[enc]
		for _, elem := range strings.Split(ae, ",") {
			coding, params, _ := strings.Cut(elem, ";")
			coding = strings.TrimSpace(coding)
			if strings.EqualFold(coding, "x-gzip") {
				coding = "gzip"
			}
			if q, ok := accept.Weight(params); ok && q == 0 && strings.EqualFold(coding, name) {
				t.Fatalf("%q: chose %s excluded with q=0", ae, name)
			}
		}
	})
}

// FuzzClientIP checks that the client address is the peer or one written in
// the forwarding fields, never something made up.
func FuzzClientIP(f *testing.F) {
	f.Add("10.0.0.1:80", "203.0.113.9, 10.0.0.2", `for="[2001:db8::1]:4711"`)
	f.Add("192.0.2.1:1", "1.1.1.1", "")
	f.Add("[::1]:80", ",,,", "for=unknown;proto=http")
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	f.Fuzz(func(t *testing.T, remote, xff, fwd string) {
		r := httpservertest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		if xff != "" {
			r.Header.Add("X-Forwarded-For", xff)
		}
		if fwd != "" {
			r.Header.Add("Forwarded", fwd)
		}
		got := ClientIP(r, trusted)
		if !got.IsValid() {
			return
		}
		peer := remoteIP(remote)
		if got != peer && !strings.Contains(xff+fwd, got.String()) && !strings.Contains(strings.ToLower(xff+fwd), got.StringExpanded()) {
			// The textual forms may differ (zero compression, case);
			// compare parsed addresses of every element instead.
			found := false
			notAddr := func(c rune) bool {
				return !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.')
			}
			for _, part := range strings.FieldsFunc(xff+","+fwd, notAddr) {
				if a := remoteIP(part); a == got {
					found = true
				}
			}
			if !found {
				t.Fatalf("ClientIP(%q, %q, %q) = %s, not among the inputs", remote, xff, fwd, got)
			}
		}
	})
}
