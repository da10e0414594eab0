package router

import (
	"strings"

	"github.com/rawsock/httpserver"
)

// serve routes one request. mountPattern is the pattern of the mount that
// passed the request on, with its "/*" removed, or "" at the top level.
func (c *core) serve(w httpserver.ResponseWriter, r *httpserver.Request, mountPattern string) {
	if r.Target == "*" {
		c.serveAsterisk(w, r)
		return
	}
	raw := r.RawPath
	if raw == "" {
		raw = r.Path
	}
	if raw == "" || raw[0] != '/' {
		// Authority-form (CONNECT) or a malformed request: no path to
		// route.
		c.notFound.ServeHTTP(w, r)
		return
	}
	switch inspect(raw) {
	case pathBad:
		httpserver.Error(w, httpserver.StatusBadRequest)
		return
	case pathEncodedSlash:
		c.notFound.ServeHTTP(w, r)
		return
	case pathUnclean:
		c.serveUnclean(w, r, raw)
		return
	}
	path := r.Path
	if path == "" {
		path = raw
	}
	if strings.IndexByte(path, 0) >= 0 {
		// RFC 3986 §7.3: a NUL must not reach handlers.
		httpserver.Error(w, httpserver.StatusBadRequest)
		return
	}
	slot := c.methodIndex(r.Method)
	var ps params
	if ep := c.root.find(path, slot, &ps); ep != nil {
		c.dispatch(w, r, ep, slot, &ps, mountPattern)
		return
	}
	if c.answerOtherMethods(w, r, path) {
		return
	}
	if path != "/" {
		switch c.slash {
		case RedirectTrailingSlash:
			var buf [128]byte
			if _, found := c.root.collect(otherSlashBuf(path, buf[:0])); found {
				redirect(w, r, otherSlash(raw))
				return
			}
		case MatchEitherSlash:
			alt := otherSlash(path)
			ps.n = 0
			if ep := c.root.find(alt, slot, &ps); ep != nil {
				c.dispatch(w, r, ep, slot, &ps, mountPattern)
				return
			}
			if c.answerOtherMethods(w, r, alt) {
				return
			}
		}
	}
	c.notFound.ServeHTTP(w, r)
}

// dispatch records the parameters and pattern of a match and calls its
// handler.
func (c *core) dispatch(w httpserver.ResponseWriter, r *httpserver.Request, ep *endpoint, slot int, ps *params, mountPattern string) {
	for i, name := range ep.paramNames {
		r.SetPathValue(name, ps.v[i])
	}
	if mountPattern == "" {
		r.Pattern = ep.pattern
	} else {
		r.Pattern = c.joinPattern(mountPattern, ep)
	}
	ep.handler(slot).ServeHTTP(w, r)
}

// answerOtherMethods answers a request whose path has routes, but none for
// its method: 204 with Allow to OPTIONS, 405 with Allow otherwise (RFC 9110
// §15.5.6: a 405 response must carry Allow). It reports false when no route
// matches the path at all.
func (c *core) answerOtherMethods(w httpserver.ResponseWriter, r *httpserver.Request, path string) bool {
	set, found := c.root.collect(path)
	if !found {
		return false
	}
	w.Header().Set("Allow", c.allow(set))
	if r.Method == "OPTIONS" {
		w.WriteHeader(httpserver.StatusNoContent)
		return true
	}
	c.notAllowed.ServeHTTP(w, r)
	return true
}

// serveAsterisk answers the asterisk-form target, which only OPTIONS may
// use (RFC 9112 §3.2.4), with every method the router knows (RFC 9110
// §9.3.7).
func (c *core) serveAsterisk(w httpserver.ResponseWriter, r *httpserver.Request) {
	if r.Method != "OPTIONS" {
		httpserver.Error(w, httpserver.StatusBadRequest)
		return
	}
	w.Header().Set("Allow", c.allow(c.all))
	w.WriteHeader(httpserver.StatusNoContent)
}

// serveUnclean answers a request whose path has empty or dot segments. GET
// and HEAD are redirected to the clean path; other methods get 404, so that
// a handler never runs under a path that differs from the one the layers
// in front of the router saw.
func (c *core) serveUnclean(w httpserver.ResponseWriter, r *httpserver.Request, raw string) {
	if r.Method != "GET" && r.Method != "HEAD" {
		c.notFound.ServeHTTP(w, r)
		return
	}
	redirect(w, r, cleanRaw(raw))
}

// redirect answers 308 Permanent Redirect (RFC 9110 §15.4.9) to rawPath,
// with the request's query. rawPath is relative to the router; the prefix
// that a mount stripped is put back, taken from the request target.
func redirect(w httpserver.ResponseWriter, r *httpserver.Request, rawPath string) {
	loc := mountedPrefix(r) + rawPath
	// A backslash is not a URI character (RFC 3986 §2), and browsers read
	// it as '/' in http(s) URLs (WHATWG URL "special" schemes), so that a
	// Location of "/\/evil.example" would leave this origin like
	// "//evil.example" does. The server refuses such targets before a
	// router sees them; a router served by other means encodes them, which
	// names the same path (%5C decodes to the backslash).
	if strings.IndexByte(loc, '\\') >= 0 {
		loc = strings.ReplaceAll(loc, "\\", "%5C")
	}
	if r.RawQuery != "" {
		loc += "?" + r.RawQuery
	}
	w.Header().Set("Location", loc)
	httpserver.Error(w, httpserver.StatusPermanentRedirect)
}

// mountedPrefix returns the part of the target's path in front of
// r.RawPath: "" at the top level, the raw mount prefix below a mount.
func mountedPrefix(r *httpserver.Request) string {
	t := r.Target
	if i := strings.Index(t, "://"); i >= 0 {
		t = t[i+3:]
		j := strings.IndexByte(t, '/')
		if j < 0 {
			return ""
		}
		t = t[j:]
	}
	if i := strings.IndexByte(t, '?'); i >= 0 {
		t = t[:i]
	}
	if len(t) > len(r.RawPath) && strings.HasSuffix(t, r.RawPath) {
		return t[:len(t)-len(r.RawPath)]
	}
	return ""
}
