package router

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/rawsock/httpserver"
)

// Router dispatches requests to handlers by method and path. It implements
// [httpserver.Handler].
//
// Register every route before serving: registration is not safe
// concurrently with ServeHTTP. The *Router values handed out by
// [Router.Group] and [Router.With] share the routes of the router they come
// from and differ only in the path prefix and middleware they apply to the
// routes registered through them.
type Router struct {
	c      *core
	prefix string
	// mw is the router's own middleware, added by Use or With; the
	// parent's comes before it (see middleware).
	mw []httpserver.Middleware
	// parent is the router this one was made from by Group or With.
	parent *Router
	// first names the first thing registered through this router or one
	// made from it, which a later Use would not reach; "" while none.
	first string
}

// core is the state shared by a router and its groups.
type core struct {
	root       node
	custom     []string  // extension methods, by slot - numStdMethods
	all        methodSet // every method registered, for "OPTIONS *"
	routes     []Route
	notFound   httpserver.Handler
	notAllowed httpserver.Handler
	slash      TrailingSlash

	allowMu    sync.Mutex
	allowCache atomic.Pointer[map[methodSet]string]
	patMu      sync.Mutex
	patCache   atomic.Pointer[map[patKey]string]
}

// Route describes a registered route, as listed by [Router.Routes].
type Route struct {
	// Method is the request method, or "*" for a mount, which answers
	// every method.
	Method string
	// Pattern is the full pattern, group prefixes included; a mount is
	// listed as its prefix followed by "/*".
	Pattern string
}

// TrailingSlash is the policy for a request whose path matches no route but
// would with its trailing slash added or removed.
type TrailingSlash uint8

const (
	// RedirectTrailingSlash answers 308 Permanent Redirect to the other
	// form, keeping the query. It is the default.
	RedirectTrailingSlash TrailingSlash = iota
	// MatchEitherSlash serves the other form's route directly.
	MatchEitherSlash
	// StrictSlash treats the two forms as unrelated paths: 404.
	StrictSlash
)

// Option configures a Router in [New].
type Option func(*core)

// WithTrailingSlash sets the trailing slash policy; the default is
// [RedirectTrailingSlash].
func WithTrailingSlash(policy TrailingSlash) Option {
	return func(c *core) { c.slash = policy }
}

// New returns an empty router.
func New(opts ...Option) *Router {
	c := &core{
		notFound:   httpserver.NotFoundHandler(),
		notAllowed: httpserver.HandlerFunc(methodNotAllowed),
	}
	for _, o := range opts {
		o(c)
	}
	return &Router{c: c}
}

func methodNotAllowed(w httpserver.ResponseWriter, r *httpserver.Request) {
	httpserver.Error(w, httpserver.StatusMethodNotAllowed)
}

// Use appends middleware to the router, for the routes, mounts, groups and
// NotFound/MethodNotAllowed handlers registered through it afterwards. It
// panics with an error wrapping [ErrUseAfterRoutes] once anything has been
// registered through rt (or through a router made from it by Group or
// With): the middleware would silently not apply to what came before. Call
// Use first; for middleware on some routes only, use [Router.With] or
// [Router.Group]. Middleware that must see every request, matched or not,
// should wrap the router instead: srv.Handler = mw(r).
func (rt *Router) Use(mw ...httpserver.Middleware) {
	if rt.first != "" {
		panic(fmt.Errorf("%w: %s was registered before this Use and would not get its middleware; call Use before registering, or use With or Group for middleware on some routes only", ErrUseAfterRoutes, rt.first))
	}
	rt.mw = append(rt.mw[:len(rt.mw):len(rt.mw)], mw...)
}

// registered records what was just registered through rt, for the panic
// of a later Use on rt or on the routers it was made from.
func (rt *Router) registered(what string) {
	for r := rt; r != nil && r.first == ""; r = r.parent {
		r.first = what
	}
}

// With returns a router sharing rt's routes and prefix whose registrations
// get rt's middleware, as it is when they are made, followed by mw: for
// middleware on a few routes, r.With(auth).Get("/admin", h), or a router
// kept for several (auth := r.With(requireAuth)).
func (rt *Router) With(mw ...httpserver.Middleware) *Router {
	return &Router{c: rt.c, prefix: rt.prefix, mw: append([]httpserver.Middleware(nil), mw...), parent: rt}
}

// Group calls fn with a router that shares rt's routes and middleware and
// registers its patterns below prefix. Middleware that fn adds with Use
// stays inside the group. The prefix must start with '/' and must not end
// with one; it may hold parameters. In a group with prefix "/api", the
// pattern "/" registers "/api/".
func (rt *Router) Group(prefix string, fn func(g *Router)) {
	if prefix != "" {
		if _, _, err := parsePattern(prefix); err != nil {
			panic(err)
		}
		if prefix[len(prefix)-1] == '/' {
			panic(invalidPattern(prefix, "a group prefix must not end with '/'"))
		}
	}
	fn(&Router{c: rt.c, prefix: rt.prefix + prefix, parent: rt})
}

// NotFound sets the handler for requests whose path matches no route; the
// default answers a plain 404.
func (rt *Router) NotFound(h httpserver.Handler) {
	rt.c.notFound = rt.wrap(h)
	rt.registered("the NotFound handler")
}

// MethodNotAllowed sets the handler for requests whose path matches routes
// for other methods only; the default answers a plain 405. The router sets
// the Allow header field before calling it.
func (rt *Router) MethodNotAllowed(h httpserver.Handler) {
	rt.c.notAllowed = rt.wrap(h)
	rt.registered("the MethodNotAllowed handler")
}

// Routes lists the registered routes in registration order.
func (rt *Router) Routes() []Route {
	return append([]Route(nil), rt.c.routes...)
}

// ServeHTTP dispatches the request to the handler of the matching route.
func (rt *Router) ServeHTTP(w httpserver.ResponseWriter, r *httpserver.Request) {
	rt.c.serve(w, r, "")
}

// wrap applies the router's middleware to h, at registration.
func (rt *Router) wrap(h httpserver.Handler) httpserver.Handler {
	mw := rt.middleware()
	if len(mw) == 0 {
		return h
	}
	return httpserver.Chain(mw...)(h)
}

// middleware returns the middleware of rt's registrations as it is now:
// its parents', outermost first, then its own. A With router made before
// a Use on its parent thus gets that middleware too.
func (rt *Router) middleware() []httpserver.Middleware {
	if rt.parent == nil {
		return rt.mw
	}
	outer := rt.parent.middleware()
	return append(outer[:len(outer):len(outer)], rt.mw...) // never into a parent's array
}
