package demo

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/websocket"
)

// Options configures [Handler].
type Options struct {
	// Version is reported by /health and shown on the welcome page.
	Version string
	// Start is when the server started, for the uptime; the zero time
	// means the moment Handler is called.
	Start time.Time
	// Now returns the current time; nil means time.Now. Tests set it.
	Now func() time.Time
	// ShuttingDown, when set and returning true, makes /health answer 503
	// with status "shutting_down" and /health/ready 503 with "draining".
	ShuttingDown func() bool
	// Demo enables the welcome page at / and /api/echo.
	Demo bool
	// Addr is the host:port the welcome page's curl example talks to;
	// "localhost:8080" if empty.
	Addr string
	// Root, when not nil, answers every request that no other endpoint
	// or mount takes, / included, in place of the welcome page.
	Root httpserver.Handler
	// Mounts are handlers for URL prefixes; each sees the request with the
	// prefix stripped from Path and RawPath.
	Mounts []Mount
	// WebSockets is the group the /api/ws connections join, for a
	// graceful shutdown; nil means websocket.DefaultGroup.
	WebSockets *websocket.Group
}

// Mount routes the requests under Prefix to Handler.
type Mount struct {
	// Prefix is a clean absolute path without a trailing slash, e.g.
	// "/assets"; it takes "/assets" (redirected to "/assets/") and
	// everything under "/assets/".
	Prefix string
	// Handler receives the request with Path "/" + the rest.
	Handler httpserver.Handler
}

// handler dispatches to the endpoints.
type handler struct {
	opts    Options
	mounts  []mount // longest prefix first
	welcome []byte
}

// mount is a Mount with the route pattern that logs and metrics see.
type mount struct {
	Mount
	pattern string // Prefix + "/*"
}

// Handler returns the binary's top-level handler; see the package
// documentation for its dispatch order.
func Handler(opts Options) httpserver.Handler {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Start.IsZero() {
		opts.Start = opts.Now()
	}
	mounts := make([]mount, len(opts.Mounts))
	for i, m := range opts.Mounts {
		mounts[i] = mount{m, m.Prefix + "/*"}
	}
	slices.SortStableFunc(mounts, func(a, b mount) int { return cmp.Compare(len(b.Prefix), len(a.Prefix)) })
	return &handler{opts: opts, mounts: mounts, welcome: welcomePage(opts.Version, opts.Addr)}
}

// ServeHTTP dispatches r to the first endpoint that takes its path.
func (h *handler) ServeHTTP(w httpserver.ResponseWriter, r *httpserver.Request) {
	p := r.Path
	switch {
	case p == "/health":
		r.Pattern = "/health"
		h.health(w, r)
		return
	case p == "/health/ready":
		r.Pattern = "/health/ready"
		h.ready(w, r)
		return
	case h.opts.Demo && p == "/api/ws":
		r.Pattern = "/api/ws"
		h.webSocketEcho(w, r)
		return
	case h.opts.Demo && (p == "/api/echo" || strings.HasPrefix(p, "/api/echo/")):
		r.Pattern = "/api/echo/*"
		echo(w, r)
		return
	case r.Target == "*" && r.Method == "OPTIONS":
		// RFC 9110 §9.3.7: "OPTIONS *" asks about the server as a whole.
		// The core admits the asterisk form with OPTIONS only (RFC 9112
		// §3.2.4).
		r.Pattern = "*"
		h.serverOptions(w)
		return
	case !strings.HasPrefix(p, "/"):
		// Authority-form targets (RFC 9112 §3.2.3) name no resource here.
		httpserver.Error(w, httpserver.StatusNotFound)
		return
	}
	for _, m := range h.mounts {
		if p == m.Prefix {
			r.Pattern = m.pattern
			redirectToDir(w, r)
			return
		}
		if len(p) > len(m.Prefix) && p[len(m.Prefix)] == '/' && strings.HasPrefix(p, m.Prefix) {
			r.Pattern = m.pattern
			m.Handler.ServeHTTP(w, stripPrefix(r, len(m.Prefix)))
			return
		}
	}
	switch {
	case h.opts.Root != nil:
		r.Pattern = "/*"
		h.opts.Root.ServeHTTP(w, r)
	case h.opts.Demo && p == "/":
		r.Pattern = "/"
		h.serveWelcome(w, r)
	default:
		httpserver.Error(w, httpserver.StatusNotFound)
	}
}

// serverOptions answers "OPTIONS *" with 204 and the methods the server
// answers somewhere (RFC 9110 §9.3.7, §10.2.1): the echo endpoint of demo
// mode takes any method, the rest GET and HEAD (and OPTIONS, for files).
func (h *handler) serverOptions(w httpserver.ResponseWriter) {
	allow := "GET, HEAD, OPTIONS"
	if h.opts.Demo {
		allow = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
	}
	w.Header().Set("Allow", allow)
	w.WriteHeader(httpserver.StatusNoContent)
}

// allowOnlyGetHead answers 405 to methods other than GET and HEAD (RFC 9110
// §15.5.6 requires the Allow field) and reports whether it did.
func allowOnlyGetHead(w httpserver.ResponseWriter, r *httpserver.Request) bool {
	if r.Method == "GET" || r.Method == "HEAD" {
		return false
	}
	w.Header().Set("Allow", "GET, HEAD")
	httpserver.Error(w, httpserver.StatusMethodNotAllowed)
	return true
}
