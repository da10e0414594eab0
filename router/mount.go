package router

import (
	"fmt"
	"strings"

	"github.com/rawsock/httpserver"
)

// Mount passes every request whose path is prefix or starts with prefix+"/"
// to h, whatever its method, and panics if it cannot (see [Router.Handle]).
//
// h sees r.Path and r.RawPath with the prefix removed: "/" for the prefix
// itself, "/rest" below it. r.Target keeps the original target; the
// remainder is also the path value "*". Both paths are restored when h
// returns. Routes registered below the prefix take precedence over the
// mount. When h is a *Router, r.Pattern is the full pattern (the mount's
// prefix and the sub-router's pattern) and its redirects keep the prefix.
func (rt *Router) Mount(prefix string, h httpserver.Handler) {
	if err := rt.TryMount(prefix, h); err != nil {
		panic(err)
	}
}

// TryMount is [Router.Mount] returning the error instead of panicking.
func (rt *Router) TryMount(prefix string, h httpserver.Handler) error {
	if h == nil {
		return fmt.Errorf("%w for mount %q", ErrNilHandler, rt.prefix+prefix)
	}
	full := strings.TrimSuffix(rt.prefix+prefix, "/")
	toks, names, err := parsePattern(full + "/")
	if err != nil {
		return err
	}
	for _, t := range toks {
		if t.kind == tokCatchAll {
			return invalidPattern(prefix, "a mount prefix cannot hold a catch-all")
		}
	}
	var sub *core
	if s, ok := h.(*Router); ok {
		if s.c == rt.c {
			return invalidPattern(prefix, "a router cannot be mounted on itself")
		}
		sub = s.c
	}
	route := "mount " + full + "/*"
	c := rt.c
	var etoks []token
	if full != "" {
		etoks, _, _ = parsePattern(full)
		if n := c.root.lookup(etoks); n != nil && n.ep != nil {
			return conflict(route, n.ep.first, "a mount cannot share its path with routes")
		}
	}
	rtoks := append(toks[:len(toks):len(toks)], token{kind: tokCatchAll, text: "*"})
	rnames := append(names[:len(names):len(names)], "*")
	if err := c.add(rtoks, rnames, full+"/*", route, 0, rt.wrap(&mount{h: h, sub: sub}), true); err != nil {
		return err
	}
	if full != "" {
		// Cannot fail: the catch-all route went through the same
		// parameters, and the endpoint was checked above.
		if err := c.add(etoks, names, full, route, 0, rt.wrap(&mount{h: h, sub: sub, exact: true}), true); err != nil {
			panic(err)
		}
	}
	c.routes = append(c.routes, Route{Method: "*", Pattern: full + "/*"})
	rt.registered(fmt.Sprintf("%q", route))
	return nil
}

// mount is the handler of the two routes of a Mount: the prefix itself
// (exact) and everything below it.
type mount struct {
	h     httpserver.Handler
	sub   *core // h as a router, to pass the pattern on
	exact bool
}

func (m *mount) ServeHTTP(w httpserver.ResponseWriter, r *httpserver.Request) {
	path, raw := r.Path, r.RawPath
	sub := "/"
	if m.exact {
		r.SetPathValue("*", "") // not the value of an outer mount
	} else {
		if rest := r.PathValue("*"); rest != "" {
			if n := len(path) - len(rest) - 1; n >= 0 && path[n] == '/' && path[n+1:] == rest {
				sub = path[n:]
			} else {
				sub = "/" + rest
			}
		}
	}
	r.Path, r.RawPath = sub, rawSuffix(raw, sub)
	if m.sub != nil {
		m.sub.serve(w, r, strings.TrimSuffix(r.Pattern, "/*"))
	} else {
		m.h.ServeHTTP(w, r)
	}
	r.Path, r.RawPath = path, raw
}

// rawSuffix returns the end of the raw path that has as many segments as
// the decoded path sub (they correspond one to one: encoded slashes never
// reach a mount).
func rawSuffix(raw, sub string) string {
	if sub == "/" {
		return "/"
	}
	k := strings.Count(sub, "/")
	for i := len(raw) - 1; i >= 0; i-- {
		if raw[i] == '/' {
			if k--; k == 0 {
				return raw[i:]
			}
		}
	}
	return sub
}

// patKey identifies a sub-router pattern below a mount.
type patKey struct {
	prefix string
	ep     *endpoint
}

// maxPatCache bounds the cache of joined patterns.
const maxPatCache = 4096

// joinPattern returns prefix+ep.pattern, cached so that requests through
// a mount do not allocate once warm.
func (c *core) joinPattern(prefix string, ep *endpoint) string {
	if m := c.patCache.Load(); m != nil {
		if s, ok := (*m)[patKey{prefix, ep}]; ok {
			return s
		}
	}
	s := prefix + ep.pattern
	c.patMu.Lock()
	defer c.patMu.Unlock()
	old := c.patCache.Load()
	if lenOf(old) >= maxPatCache {
		return s
	}
	next := make(map[patKey]string, 1+lenOf(old))
	if old != nil {
		for k, v := range *old {
			next[k] = v
		}
	}
	next[patKey{strings.Clone(prefix), ep}] = s
	c.patCache.Store(&next)
	return s
}
