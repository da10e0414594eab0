package router

import (
	"fmt"
	"strings"

	"github.com/rawsock/httpserver/internal/syntax"
)

// Method slots. The standard methods (RFC 9110 §9 and RFC 5789) have fixed
// slots in the order used for Allow; extension methods get the following
// slots in registration order.
const (
	mGET = iota
	mHEAD
	mPOST
	mPUT
	mPATCH
	mDELETE
	mCONNECT
	mOPTIONS
	mTRACE
	numStdMethods
)

// maxMethods bounds the number of distinct methods, so that a set of them
// fits in a methodSet.
const maxMethods = 64

var stdMethods = [numStdMethods]string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE"}

// methodSet is a bit set of method slots.
type methodSet uint64

func bit(slot int) methodSet { return 1 << uint(slot) }

// methodIndex returns the slot of method, or -1 for a method no route was
// registered with. Methods are case-sensitive (RFC 9110 §9.1).
func (c *core) methodIndex(method string) int {
	switch method {
	case "GET":
		return mGET
	case "HEAD":
		return mHEAD
	case "POST":
		return mPOST
	case "PUT":
		return mPUT
	case "PATCH":
		return mPATCH
	case "DELETE":
		return mDELETE
	case "CONNECT":
		return mCONNECT
	case "OPTIONS":
		return mOPTIONS
	case "TRACE":
		return mTRACE
	}
	for i, m := range c.custom {
		if m == method {
			return numStdMethods + i
		}
	}
	return -1
}

// methodName returns the method of a slot.
func (c *core) methodName(slot int) string {
	if slot < numStdMethods {
		return stdMethods[slot]
	}
	return c.custom[slot-numStdMethods]
}

// addMethod returns the slot of method, giving an extension method a new
// one. The method must be a token (RFC 9110 §9.1, §5.6.2).
func (c *core) addMethod(method string) (int, error) {
	if !syntax.ValidMethod(method) {
		return 0, fmt.Errorf("%w %q: not a token (RFC 9110 §9.1)", ErrInvalidMethod, method)
	}
	if i := c.methodIndex(method); i >= 0 {
		return i, nil
	}
	if numStdMethods+len(c.custom) >= maxMethods {
		return 0, fmt.Errorf("%w %q: more than %d distinct methods", ErrInvalidMethod, method, maxMethods)
	}
	c.custom = append(c.custom, method)
	return numStdMethods + len(c.custom) - 1, nil
}

// allow renders a method set as the value of an Allow field (RFC 9110
// §10.2.1), in slot order. OPTIONS is always included: the router answers
// it. Results are cached, so that answering allocates once per distinct set.
func (c *core) allow(set methodSet) string {
	set |= bit(mOPTIONS)
	if m := c.allowCache.Load(); m != nil {
		if s, ok := (*m)[set]; ok {
			return s
		}
	}
	var b strings.Builder
	for slot := 0; slot < maxMethods; slot++ {
		if set&bit(slot) != 0 {
			if b.Len() > 0 {
				b.WriteString(", ")
			}
			b.WriteString(c.methodName(slot))
		}
	}
	s := b.String()
	c.allowMu.Lock()
	defer c.allowMu.Unlock()
	old := c.allowCache.Load()
	next := make(map[methodSet]string, 1+lenOf(old))
	if old != nil {
		for k, v := range *old {
			next[k] = v
		}
	}
	next[set] = s
	c.allowCache.Store(&next)
	return s
}

func lenOf[K comparable, V any](m *map[K]V) int {
	if m == nil {
		return 0
	}
	return len(*m)
}
