package router

import (
	"strings"

	"github.com/rawsock/httpserver"
)

// node is a node of the radix tree. Static children are indexed by the
// first byte of their path, which no two share; a node has at most one
// parameter child and at most one catch-all child, never both, and both
// hang only below a '/'.
type node struct {
	path     string  // literal bytes, for static nodes
	indices  string  // first byte of each static child, in children order
	children []*node // static children
	param    *node   // child matching one non-empty segment
	catchAll *node   // child matching the rest of the path
	name     string  // parameter name, for param and catch-all nodes
	owner    string  // the route that created a param or catch-all node
	ep       *endpoint
}

// endpoint holds the handlers of one pattern.
type endpoint struct {
	pattern    string               // the full pattern, as registered
	paramNames []string             // parameter names, in path order
	handlers   []httpserver.Handler // by method slot
	any        httpserver.Handler   // a mount: answers every method
	methods    methodSet            // registered methods, plus HEAD with GET
	first      string               // the first route registered here, for messages
}

// handler returns the handler for a method slot: the route registered for
// it, else the GET route for HEAD, else the mount, else nil.
func (e *endpoint) handler(slot int) httpserver.Handler {
	if slot >= 0 && slot < len(e.handlers) && e.handlers[slot] != nil {
		return e.handlers[slot]
	}
	if slot == mHEAD && len(e.handlers) > mGET && e.handlers[mGET] != nil {
		return e.handlers[mGET]
	}
	return e.any
}

// params collects parameter values during a lookup, without allocating.
type params struct {
	n int
	v [maxParams]string
}

// find returns the endpoint below n that matches path (the part of the
// path not yet consumed) and has a handler for the method slot, collecting
// parameter values in ps. Static children are tried first, then the
// parameter, then the catch-all, backtracking when a branch fails.
func (n *node) find(path string, slot int, ps *params) *endpoint {
	if path == "" {
		if n.ep != nil && n.ep.handler(slot) != nil {
			return n.ep
		}
	} else {
		if i := strings.IndexByte(n.indices, path[0]); i >= 0 {
			c := n.children[i]
			if strings.HasPrefix(path, c.path) {
				if ep := c.find(path[len(c.path):], slot, ps); ep != nil {
					return ep
				}
			}
		}
		if n.param != nil {
			end := strings.IndexByte(path, '/')
			if end < 0 {
				end = len(path)
			}
			if end > 0 {
				k := ps.n
				ps.v[k] = path[:end]
				ps.n++
				if ep := n.param.find(path[end:], slot, ps); ep != nil {
					return ep
				}
				ps.n = k
			}
		}
	}
	if c := n.catchAll; c != nil && c.ep != nil && c.ep.handler(slot) != nil {
		ps.v[ps.n] = path
		ps.n++
		return c.ep
	}
	return nil
}

// collect returns the union of the methods of every endpoint matching path
// and whether any endpoint matches at all (a mount matches with no methods).
func (n *node) collect(path string) (set methodSet, found bool) {
	if path == "" {
		if n.ep != nil {
			set, found = n.ep.methods, true
		}
	} else {
		if i := strings.IndexByte(n.indices, path[0]); i >= 0 {
			c := n.children[i]
			if strings.HasPrefix(path, c.path) {
				s, f := c.collect(path[len(c.path):])
				set, found = set|s, found || f
			}
		}
		if n.param != nil {
			end := strings.IndexByte(path, '/')
			if end < 0 {
				end = len(path)
			}
			if end > 0 {
				s, f := n.param.collect(path[end:])
				set, found = set|s, found || f
			}
		}
	}
	if c := n.catchAll; c != nil && c.ep != nil {
		set, found = set|c.ep.methods, true
	}
	return set, found
}

// insert walks and extends the tree along the tokens of a pattern and
// returns the node where it ends. route names the route being added, for
// error messages. On a conflict the tree may keep new static nodes without
// endpoints; they never match anything.
func (n *node) insert(toks []token, route string) (*node, error) {
	for _, t := range toks {
		switch t.kind {
		case tokStatic:
			n = n.addStatic(t.text)
		case tokParam:
			if n.catchAll != nil {
				return nil, conflict(route, n.catchAll.owner, "a parameter and a catch-all at the same position")
			}
			if n.param == nil {
				n.param = &node{name: t.text, owner: route}
			} else if n.param.name != t.text {
				return nil, conflict(route, n.param.owner, "parameters named differently at the same position can never be told apart")
			}
			n = n.param
		case tokCatchAll:
			if n.param != nil {
				return nil, conflict(route, n.param.owner, "a catch-all and a parameter at the same position")
			}
			if n.catchAll == nil {
				n.catchAll = &node{name: t.text, owner: route}
			} else if n.catchAll.name != t.text {
				return nil, conflict(route, n.catchAll.owner, "catch-alls named differently at the same position can never be told apart")
			}
			n = n.catchAll
		}
	}
	return n, nil
}

// lookup returns the node where a pattern's tokens end, or nil if the tree
// holds no such node. It does not modify the tree.
func (n *node) lookup(toks []token) *node {
	for _, t := range toks {
		switch t.kind {
		case tokStatic:
			for s := t.text; s != ""; {
				i := strings.IndexByte(n.indices, s[0])
				if i < 0 || !strings.HasPrefix(s, n.children[i].path) {
					return nil
				}
				n = n.children[i]
				s = s[len(n.path):]
			}
		case tokParam:
			if n.param == nil || n.param.name != t.text {
				return nil
			}
			n = n.param
		case tokCatchAll:
			if n.catchAll == nil || n.catchAll.name != t.text {
				return nil
			}
			n = n.catchAll
		}
	}
	return n
}

// addStatic inserts the literal s below n, splitting nodes where paths
// diverge, and returns the node where s ends.
func (n *node) addStatic(s string) *node {
	for s != "" {
		i := strings.IndexByte(n.indices, s[0])
		if i < 0 {
			c := &node{path: s}
			n.indices += s[:1]
			n.children = append(n.children, c)
			return c
		}
		c := n.children[i]
		l := commonPrefix(c.path, s)
		if l < len(c.path) {
			lower := new(node)
			*lower = *c
			lower.path = c.path[l:]
			*c = node{path: c.path[:l], indices: lower.path[:1], children: []*node{lower}}
		}
		s = s[l:]
		n = c
	}
	return n
}

func commonPrefix(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}
