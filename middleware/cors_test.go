package middleware

import (
	"errors"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/httpservertest"
)

func TestCORS(t *testing.T) {
	cred := CORSOptions{
		AllowedOrigins:   []string{"https://app.example.com", "https://*.example.org", "http://localhost:3000"},
		AllowedMethods:   []string{"GET", "POST", "DELETE"},
		AllowedHeaders:   []string{"Content-Type", "X-Token"},
		ExposedHeaders:   []string{"X-Request-ID", "RateLimit-Remaining"},
		AllowCredentials: true,
		MaxAge:           10 * time.Minute,
	}
	open := CORSOptions{AllowedOrigins: []string{"*"}, AllowedHeaders: []string{"*"}}
	tests := []struct {
		name       string
		opts       CORSOptions
		method     string
		hdr        map[string]string
		wantStatus int
		wantNext   bool
		want       map[string]string // "" means absent
	}{
		{"no origin", cred, "GET", nil, 200, true,
			map[string]string{"Access-Control-Allow-Origin": "", "Vary": "Origin"}},
		{"exact origin", cred, "GET", map[string]string{"Origin": "https://app.example.com"}, 200, true,
			map[string]string{"Access-Control-Allow-Origin": "https://app.example.com", "Access-Control-Allow-Credentials": "true",
				"Access-Control-Expose-Headers": "X-Request-ID, RateLimit-Remaining", "Vary": "Origin"}},
		{"exact origin with port", cred, "GET", map[string]string{"Origin": "http://localhost:3000"}, 200, true,
			map[string]string{"Access-Control-Allow-Origin": "http://localhost:3000"}},
		{"wildcard subdomain", cred, "GET", map[string]string{"Origin": "https://a.b.example.org"}, 200, true,
			map[string]string{"Access-Control-Allow-Origin": "https://a.b.example.org", "Access-Control-Allow-Credentials": "true"}},
		{"wildcard not bare domain", cred, "GET", map[string]string{"Origin": "https://example.org"}, 200, true,
			map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Credentials": "", "Vary": "Origin"}},
		{"wildcard wrong scheme", cred, "GET", map[string]string{"Origin": "http://a.example.org"}, 200, true,
			map[string]string{"Access-Control-Allow-Origin": ""}},
		{"wildcard suffix trick", cred, "GET", map[string]string{"Origin": "https://evilexample.org"}, 200, true,
			map[string]string{"Access-Control-Allow-Origin": ""}},
		{"wildcard path trick", cred, "GET", map[string]string{"Origin": "https://evil.com/.example.org"}, 200, true,
			map[string]string{"Access-Control-Allow-Origin": ""}},
		{"wildcard userinfo trick", cred, "GET", map[string]string{"Origin": "https://evil.com@x.example.org"}, 200, true,
			map[string]string{"Access-Control-Allow-Origin": ""}},
		{"wildcard port", cred, "GET", map[string]string{"Origin": "https://a.example.org:8443"}, 200, true,
			map[string]string{"Access-Control-Allow-Origin": ""}},
		{"disallowed origin", cred, "GET", map[string]string{"Origin": "https://evil.com"}, 200, true,
			map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Credentials": "", "Access-Control-Expose-Headers": "", "Vary": "Origin"}},
		{"null origin", cred, "GET", map[string]string{"Origin": "null"}, 200, true,
			map[string]string{"Access-Control-Allow-Origin": ""}},
		{"preflight allowed", cred, "OPTIONS", map[string]string{"Origin": "https://app.example.com",
			"Access-Control-Request-Method": "DELETE", "Access-Control-Request-Headers": "content-type, x-token"}, 204, false,
			map[string]string{"Access-Control-Allow-Origin": "https://app.example.com", "Access-Control-Allow-Methods": "GET, POST, DELETE",
				"Access-Control-Allow-Headers": "content-type, x-token", "Access-Control-Max-Age": "600",
				"Access-Control-Allow-Credentials": "true", "Vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"}},
		{"preflight method refused", cred, "OPTIONS", map[string]string{"Origin": "https://app.example.com",
			"Access-Control-Request-Method": "PUT"}, 204, false,
			map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Methods": ""}},
		{"preflight method case-sensitive", cred, "OPTIONS", map[string]string{"Origin": "https://app.example.com",
			"Access-Control-Request-Method": "delete"}, 204, false,
			map[string]string{"Access-Control-Allow-Origin": ""}},
		{"preflight header refused", cred, "OPTIONS", map[string]string{"Origin": "https://app.example.com",
			"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-token, x-evil"}, 204, false,
			map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Headers": ""}},
		{"preflight origin refused", cred, "OPTIONS", map[string]string{"Origin": "https://evil.com",
			"Access-Control-Request-Method": "GET"}, 204, false,
			map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Methods": ""}},
		{"plain OPTIONS reaches handler", cred, "OPTIONS", map[string]string{"Origin": "https://app.example.com"}, 200, true,
			map[string]string{"Access-Control-Allow-Origin": "https://app.example.com"}},
		{"any origin without credentials", open, "GET", map[string]string{"Origin": "https://whoever.net"}, 200, true,
			map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Credentials": "", "Vary": "Origin"}},
		{"any header preflight", open, "OPTIONS", map[string]string{"Origin": "https://whoever.net",
			"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-anything"}, 204, false,
			map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "x-anything", "Access-Control-Max-Age": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mw, err := CORS(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			reached := false
			h := mw(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
				reached = true
				w.WriteString("ok")
			}))
			req := httpservertest.NewRequest(tt.method, "/x", nil)
			for k, v := range tt.hdr {
				req.Header.Set(k, v)
			}
			rec := httpservertest.NewRecorder()
			h.ServeHTTP(rec, req)
			code, hdr, _ := rec.Result()
			if code != tt.wantStatus || reached != tt.wantNext {
				t.Errorf("status %d reached %v, want %d %v", code, reached, tt.wantStatus, tt.wantNext)
			}
			for k, v := range tt.want {
				if got := hdr.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			// Never a wildcard or reflected arbitrary origin with credentials.
			if hdr.Get("Access-Control-Allow-Credentials") == "true" {
				if o := hdr.Get("Access-Control-Allow-Origin"); o == "*" || o != tt.hdr["Origin"] {
					t.Errorf("credentials with origin %q", o)
				}
			}
		})
	}
}

func TestCORSConfigErrors(t *testing.T) {
	for _, o := range []CORSOptions{
		{AllowedOrigins: []string{"*"}, AllowCredentials: true},
		{AllowedOrigins: []string{"https://*"}},
		{AllowedOrigins: []string{"https://*.a/b"}},
		{AllowedOrigins: []string{"https://a*.example.com"}},
		{AllowedOrigins: []string{"example.com"}},
	} {
		if _, err := CORS(o); !errors.Is(err, ErrCORSConfig) {
			t.Errorf("CORS(%v) error = %v, want ErrCORSConfig", o.AllowedOrigins, err)
		}
	}
}

func TestCORSOverSocket(t *testing.T) {
	mw, err := CORS(CORSOptions{AllowedOrigins: []string{"https://app.example.com"}, AllowedMethods: []string{"PUT"}})
	if err != nil {
		t.Fatal(err)
	}
	reached := 0
	base := serve(t, mw(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		reached++
		w.WriteString("ok")
	})))
	c := client(t)
	resp, _ := do(t, c, "OPTIONS", base+"/a", map[string]string{"Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT"}, nil)
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" || reached != 0 {
		t.Errorf("preflight: %d %v reached=%d", resp.StatusCode, resp.Header, reached)
	}
	resp, body := do(t, c, "PUT", base+"/a", map[string]string{"Origin": "https://app.example.com"}, nil)
	if resp.StatusCode != 200 || body != "ok" || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Errorf("actual request: %d %v", resp.StatusCode, resp.Header)
	}
}
