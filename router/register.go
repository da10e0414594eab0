package router

import (
	"fmt"

	"github.com/rawsock/httpserver"
)

// Handle registers h for requests with the given method whose path matches
// pattern, and panics with an error wrapping [ErrInvalidPattern],
// [ErrInvalidMethod], [ErrConflict] or [ErrNilHandler] if it cannot.
//
// Patterns are written in decoded form and made of segments: a literal
// segment matches itself; ":name" (or "{name}") matches one non-empty
// segment and records it as the path value name; "*name" (or
// "{name...}"), last only, matches the rest of the path, slashes included,
// possibly empty. The brace forms, those of chi and Go 1.22, are the same
// routes as the others; a '{' or '}' anywhere else is refused. Literal
// segments win over parameters, and parameters over catch-alls.
func (rt *Router) Handle(method, pattern string, h httpserver.Handler) {
	if err := rt.TryHandle(method, pattern, h); err != nil {
		panic(err)
	}
}

// HandleFunc registers f like [Router.Handle].
func (rt *Router) HandleFunc(method, pattern string, f func(httpserver.ResponseWriter, *httpserver.Request)) {
	rt.Handle(method, pattern, httpserver.HandlerFunc(f))
}

// Get registers h for GET (and so HEAD) requests to pattern.
func (rt *Router) Get(pattern string, h httpserver.HandlerFunc) { rt.Handle("GET", pattern, h) }

// Head registers h for HEAD requests to pattern, overriding the automatic
// HEAD of a GET route.
func (rt *Router) Head(pattern string, h httpserver.HandlerFunc) { rt.Handle("HEAD", pattern, h) }

// Post registers h for POST requests to pattern.
func (rt *Router) Post(pattern string, h httpserver.HandlerFunc) { rt.Handle("POST", pattern, h) }

// Put registers h for PUT requests to pattern.
func (rt *Router) Put(pattern string, h httpserver.HandlerFunc) { rt.Handle("PUT", pattern, h) }

// Patch registers h for PATCH requests to pattern.
func (rt *Router) Patch(pattern string, h httpserver.HandlerFunc) { rt.Handle("PATCH", pattern, h) }

// Delete registers h for DELETE requests to pattern.
func (rt *Router) Delete(pattern string, h httpserver.HandlerFunc) { rt.Handle("DELETE", pattern, h) }

// Options registers h for OPTIONS requests to pattern, overriding the
// automatic answer.
func (rt *Router) Options(pattern string, h httpserver.HandlerFunc) { rt.Handle("OPTIONS", pattern, h) }

// TryHandle is [Router.Handle] returning the error instead of panicking.
// A failed registration leaves the routes as they were.
func (rt *Router) TryHandle(method, pattern string, h httpserver.Handler) error {
	if h == nil {
		return fmt.Errorf("%w for %q", ErrNilHandler, method+" "+rt.prefix+pattern)
	}
	full := rt.prefix + pattern
	toks, names, err := parsePattern(full)
	if err != nil {
		return err
	}
	c := rt.c
	nCustom := len(c.custom)
	slot, err := c.addMethod(method)
	if err != nil {
		return err
	}
	route := method + " " + full
	if err := c.add(toks, names, full, route, slot, rt.wrap(h), false); err != nil {
		c.custom = c.custom[:nCustom]
		return err
	}
	c.all |= bit(slot)
	if slot == mGET {
		c.all |= bit(mHEAD)
	}
	c.routes = append(c.routes, Route{Method: method, Pattern: full})
	rt.registered(fmt.Sprintf("%q", route))
	return nil
}

// add inserts a route into the tree. slot is ignored for a mount (any).
func (c *core) add(toks []token, names []string, full, route string, slot int, h httpserver.Handler, any bool) error {
	n, err := c.root.insert(toks, route)
	if err != nil {
		return err
	}
	ep := n.ep
	if ep == nil {
		ep = &endpoint{pattern: full, paramNames: names, first: route}
	}
	switch {
	case ep.any != nil:
		return conflict(route, ep.first, "the path is mounted")
	case any && ep.methods != 0:
		return conflict(route, ep.first, "a mount cannot share its path with routes")
	case any:
		ep.any = h
	case slot < len(ep.handlers) && ep.handlers[slot] != nil:
		return conflict(route, ep.first, "registered twice")
	default:
		if slot >= len(ep.handlers) {
			ep.handlers = append(ep.handlers, make([]httpserver.Handler, slot+1-len(ep.handlers))...)
		}
		ep.handlers[slot] = h
		ep.methods |= bit(slot)
		if slot == mGET {
			ep.methods |= bit(mHEAD)
		}
	}
	n.ep = ep
	return nil
}
