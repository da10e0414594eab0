package httpserver

import (
	"iter"
	"unsafe"

	"github.com/rawsock/httpserver/internal/syntax"
)

// Query holds the decoded parameters of a query string, in order. A name may
// repeat. Its strings follow the lifetime rules of the [Request].
type Query struct {
	pairs []headerField
}

// Get returns the first value of the named parameter, or "".
func (q *Query) Get(name string) string {
	for _, p := range q.pairs {
		if p.name == name {
			return p.value
		}
	}
	return ""
}

// Has reports whether the named parameter is present.
func (q *Query) Has(name string) bool {
	for _, p := range q.pairs {
		if p.name == name {
			return true
		}
	}
	return false
}

// Values returns every value of the named parameter. It allocates.
func (q *Query) Values(name string) []string {
	var vs []string
	for _, p := range q.pairs {
		if p.name == name {
			vs = append(vs, p.value)
		}
	}
	return vs
}

// All iterates over every parameter in order.
func (q *Query) All() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for _, p := range q.pairs {
			if !yield(p.name, p.value) {
				return
			}
		}
	}
}

// Len returns the number of parameters.
func (q *Query) Len() int { return len(q.pairs) }

func (q *Query) reset() {
	clear(q.pairs)
	q.pairs = q.pairs[:0]
}

// parse splits raw on '&' into name=value pairs, decoding each ('+' is a
// space, as in application/x-www-form-urlencoded). Pairs with invalid
// percent-escapes are skipped. Decoded text that differs from the input is
// stored in scratch, which is returned grown.
func (q *Query) parse(raw string, scratch []byte) []byte {
	for raw != "" {
		var pair string
		pair, raw = cutByte(raw, '&')
		if pair == "" {
			continue
		}
		name, value := cutByte(pair, '=')
		var ok bool
		if name, scratch, ok = decodeQueryComponent(name, scratch); !ok {
			continue
		}
		if value, scratch, ok = decodeQueryComponent(value, scratch); !ok {
			continue
		}
		q.pairs = append(q.pairs, headerField{name, value})
	}
	return scratch
}

func cutByte(s string, sep byte) (before, after string) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

// decodeQueryComponent percent-decodes s, turning '+' into a space. When s
// needs no decoding it is returned as is; otherwise the result lives in
// scratch.
func decodeQueryComponent(s string, scratch []byte) (string, []byte, bool) {
	return unescape(s, scratch, true)
}

// unescape percent-decodes s (RFC 3986 §2.1). plusIsSpace turns '+' into
// ' '. It reports false for a malformed escape.
func unescape(s string, scratch []byte, plusIsSpace bool) (string, []byte, bool) {
	needs := false
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '%' || (plusIsSpace && c == '+') {
			needs = true
			break
		}
	}
	if !needs {
		return s, scratch, true
	}
	// Decoding only shrinks, so reserve len(s) up front: growing scratch
	// later must not move bytes that earlier strings point into.
	if cap(scratch)-len(scratch) < len(s) {
		scratch = make([]byte, 0, max(2*cap(scratch), len(s), 256))
	}
	start := len(scratch)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if i+2 >= len(s) {
				return "", scratch[:start], false
			}
			hi, ok1 := syntax.Unhex(s[i+1])
			lo, ok2 := syntax.Unhex(s[i+2])
			if !ok1 || !ok2 {
				return "", scratch[:start], false
			}
			scratch = append(scratch, hi<<4|lo)
			i += 2
		case plusIsSpace && c == '+':
			scratch = append(scratch, ' ')
		default:
			scratch = append(scratch, c)
		}
	}
	b := scratch[start:]
	return unsafe.String(unsafe.SliceData(b), len(b)), scratch, true
}
