package middleware

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rawsock/httpserver"
)

// CORSOptions configures [CORS] (the Fetch standard's CORS protocol).
type CORSOptions struct {
	// AllowedOrigins lists the origins allowed to read responses: exact
	// values ("https://app.example.com"), wildcard subdomains
	// ("https://*.example.com", which matches any subdomain, at any depth,
	// but not example.com itself), or "*" for any origin (only without
	// AllowCredentials).
	AllowedOrigins []string
	// AllowedMethods are accepted in preflight requests; GET, HEAD and POST
	// if empty.
	AllowedMethods []string
	// AllowedHeaders are the request header fields accepted in preflight
	// requests, or "*" for any. CORS-safelisted fields need no listing.
	AllowedHeaders []string
	// ExposedHeaders are the response fields scripts may read beyond the
	// safelisted ones.
	ExposedHeaders []string
	// AllowCredentials lets requests carry cookies and authorization.
	AllowCredentials bool
	// MaxAge is how long browsers may cache a preflight answer; 0 leaves
	// it to the browser (5 seconds by default).
	MaxAge time.Duration
}

// ErrCORSConfig is wrapped by errors from [CORS] about a configuration it
// refuses.
var ErrCORSConfig = errors.New("middleware: invalid CORS configuration")

type corsPolicy struct {
	exact       []string
	wildcards   [][2]string // scheme+"://" prefix, "."+domain suffix
	any         bool
	methods     []string
	methodsList string
	headers     []string
	anyHeader   bool
	exposed     string
	credentials bool
	maxAge      string
}

// CORS returns middleware implementing CORS. Every response gets
// "Vary: Origin". A request from an allowed origin gets
// Access-Control-Allow-Origin (and the credentials and exposed-headers
// fields); a request from any other origin gets no CORS fields, so the
// browser withholds the response. A preflight request (OPTIONS with Origin
// and Access-Control-Request-Method) is answered 204 here without reaching
// the handler. It refuses "*" together with AllowCredentials: a
// credentialed response must name one origin, and reflecting any origin
// would let every site read the user's data.
func CORS(opts CORSOptions) (httpserver.Middleware, error) {
	p := &corsPolicy{credentials: opts.AllowCredentials}
	for _, o := range opts.AllowedOrigins {
		switch {
		case o == "*":
			// Fetch §3.2.5: a credentialed response must not use "*".
			if opts.AllowCredentials {
				return nil, fmt.Errorf("%w: origin \"*\" with credentials", ErrCORSConfig)
			}
			p.any = true
		case strings.Contains(o, "://*."):
			scheme, domain, _ := strings.Cut(o, "://*.")
			if scheme == "" || domain == "" || strings.ContainsAny(domain, "*/") {
				return nil, fmt.Errorf("%w: origin %q", ErrCORSConfig, o)
			}
			p.wildcards = append(p.wildcards, [2]string{strings.ToLower(scheme) + "://", "." + strings.ToLower(domain)})
		case strings.Contains(o, "*") || !strings.Contains(o, "://") && o != "null":
			return nil, fmt.Errorf("%w: origin %q", ErrCORSConfig, o)
		default:
			p.exact = append(p.exact, strings.TrimSuffix(o, "/"))
		}
	}
	p.methods = opts.AllowedMethods
	if len(p.methods) == 0 {
		p.methods = []string{"GET", "HEAD", "POST"}
	}
	p.methodsList = strings.Join(p.methods, ", ")
	for _, h := range opts.AllowedHeaders {
		if h == "*" {
			p.anyHeader = true
			continue
		}
		p.headers = append(p.headers, h)
	}
	p.exposed = strings.Join(opts.ExposedHeaders, ", ")
	if opts.MaxAge > 0 {
		p.maxAge = strconv.Itoa(int(opts.MaxAge / time.Second))
	}
	return p.middleware, nil
}

func (p *corsPolicy) middleware(next httpserver.Handler) httpserver.Handler {
	return httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		h := w.Header()
		origin, hasOrigin := r.Header.Lookup("Origin")
		// Fetch §3.2.2: a CORS-preflight request is an OPTIONS request
		// with Origin and Access-Control-Request-Method.
		if r.Method == "OPTIONS" && hasOrigin && r.Header.Has("Access-Control-Request-Method") {
			p.preflight(w, r, origin)
			return
		}
		// RFC 9110 §12.5.5: the answer depends on Origin, so caches must
		// key on it, even for requests without one.
		h.Add("Vary", "Origin")
		// Fetch §3.2.3: a disallowed origin gets no CORS fields at all.
		if hasOrigin && p.allowed(origin) {
			p.setOrigin(h, origin)
			if p.exposed != "" {
				h.Set("Access-Control-Expose-Headers", p.exposed)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// preflight answers a CORS preflight request: 204, with the permissions
// only when the origin, method and header fields are all allowed.
func (p *corsPolicy) preflight(w httpserver.ResponseWriter, r *httpserver.Request, origin string) {
	h := w.Header()
	h.Add("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
	method := r.Header.Get("Access-Control-Request-Method")
	if p.allowed(origin) && p.methodAllowed(method) && p.headersAllowed(r) {
		p.setOrigin(h, origin)
		h.Set("Access-Control-Allow-Methods", p.methodsList)
		if reqHeaders := r.Header.Get("Access-Control-Request-Headers"); reqHeaders != "" {
			// Every requested field was checked: echo the list (a literal
			// "*" would not cover credentialed requests). Response fields
			// may alias the request: they are written before it is reused.
			h.Set("Access-Control-Allow-Headers", reqHeaders)
		}
		if p.maxAge != "" {
			h.Set("Access-Control-Max-Age", p.maxAge)
		}
	}
	w.WriteHeader(httpserver.StatusNoContent)
}

func (p *corsPolicy) setOrigin(h *httpserver.Header, origin string) {
	if p.any && !p.credentials {
		h.Set("Access-Control-Allow-Origin", "*")
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	if p.credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
}

// allowed reports whether origin matches the allow list. Origins are
// serialized in lower case by browsers; comparing without case is safe.
func (p *corsPolicy) allowed(origin string) bool {
	if origin == "" {
		return false
	}
	if p.any {
		return true
	}
	for _, o := range p.exact {
		if strings.EqualFold(o, origin) {
			return true
		}
	}
	for _, wc := range p.wildcards {
		if matchWildcard(origin, wc[0], wc[1]) {
			return true
		}
	}
	return false
}

// matchWildcard reports whether origin is prefix + sub + suffix where sub
// is a non-empty host label sequence: letters, digits, '-' and '.', so
// that "https://evil.com/.example.com" or a userinfo or port cannot sneak
// through.
func matchWildcard(origin, prefix, suffix string) bool {
	if len(origin) <= len(prefix)+len(suffix) ||
		!strings.EqualFold(origin[:len(prefix)], prefix) ||
		!strings.EqualFold(origin[len(origin)-len(suffix):], suffix) {
		return false
	}
	sub := origin[len(prefix) : len(origin)-len(suffix)]
	if sub[0] == '.' || sub[len(sub)-1] == '.' {
		return false
	}
	for i := 0; i < len(sub); i++ {
		c := sub[i] | 0x20
		if !('a' <= c && c <= 'z' || '0' <= sub[i] && sub[i] <= '9' || sub[i] == '-' || sub[i] == '.') {
			return false
		}
	}
	return true
}

func (p *corsPolicy) methodAllowed(m string) bool {
	for _, a := range p.methods {
		if a == m { // methods are case-sensitive (RFC 9110 §9.1; Fetch §3.2.5 byte-case match)
			return true
		}
	}
	return false
}

// headersAllowed checks every name in Access-Control-Request-Headers.
func (p *corsPolicy) headersAllowed(r *httpserver.Request) bool {
	if p.anyHeader {
		return true
	}
	list := r.Header.Get("Access-Control-Request-Headers")
	for list != "" {
		var name string
		name, list, _ = strings.Cut(list, ",")
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		ok := false
		for _, a := range p.headers {
			if strings.EqualFold(a, name) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
