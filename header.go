package httpserver

import (
	"iter"
	"strings"

	"github.com/rawsock/httpserver/internal/syntax"
)

// Header is an ordered list of HTTP header fields. Names compare
// case-insensitively (RFC 9110 §5.1); a name may appear more than once.
//
// The zero value is an empty header ready to use; a nil *Header reads as
// empty. A Header obtained from a
// [Request] holds strings that alias the connection's buffers: they are valid
// until the handler returns; use [Header.Clone] or strings.Clone to keep them.
type Header struct {
	fields []headerField
}

type headerField struct {
	name, value string
}

// list returns the fields; a nil *Header reads as empty.
func (h *Header) list() []headerField {
	if h == nil {
		return nil
	}
	return h.fields
}

// Get returns the first value of the named field, or "" if there is none.
func (h *Header) Get(name string) string {
	fields := h.list()
	for i := range fields {
		if equalFold(fields[i].name, name) {
			return fields[i].value
		}
	}
	return ""
}

// Lookup returns the first value of the named field and whether it exists.
func (h *Header) Lookup(name string) (string, bool) {
	fields := h.list()
	for i := range fields {
		if equalFold(fields[i].name, name) {
			return fields[i].value, true
		}
	}
	return "", false
}

// Has reports whether the named field is present.
func (h *Header) Has(name string) bool {
	_, ok := h.Lookup(name)
	return ok
}

// Values returns every value of the named field, in order. It allocates; use
// [Header.All] on hot paths.
func (h *Header) Values(name string) []string {
	var vs []string
	fields := h.list()
	for i := range fields {
		if equalFold(fields[i].name, name) {
			vs = append(vs, fields[i].value)
		}
	}
	return vs
}

// Count returns how many fields carry the given name.
func (h *Header) Count(name string) int {
	n := 0
	fields := h.list()
	for i := range fields {
		if equalFold(fields[i].name, name) {
			n++
		}
	}
	return n
}

// All iterates over every field in the order received or added.
func (h *Header) All() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		fields := h.list()
		for i := range fields {
			if !yield(fields[i].name, fields[i].value) {
				return
			}
		}
	}
}

// Len returns the number of fields.
func (h *Header) Len() int { return len(h.list()) }

// Add appends a field, keeping any others of the same name.
func (h *Header) Add(name, value string) {
	h.fields = append(h.fields, headerField{name, value})
}

// Set replaces every field of the given name with one field.
func (h *Header) Set(name, value string) {
	for i := range h.fields {
		if equalFold(h.fields[i].name, name) {
			h.fields[i].value = value
			h.delFrom(name, i+1)
			return
		}
	}
	h.fields = append(h.fields, headerField{name, value})
}

// Del removes every field of the given name.
func (h *Header) Del(name string) { h.delFrom(name, 0) }

func (h *Header) delFrom(name string, start int) {
	j := start
	for i := start; i < len(h.fields); i++ {
		if !equalFold(h.fields[i].name, name) {
			h.fields[j] = h.fields[i]
			j++
		}
	}
	clear(h.fields[j:])
	h.fields = h.fields[:j]
}

// Reset removes every field, keeping the storage for reuse.
func (h *Header) Reset() {
	clear(h.fields)
	h.fields = h.fields[:0]
}

// Clone returns a deep copy whose strings are independent of the original's
// buffers, safe to keep after the handler returns.
func (h *Header) Clone() Header {
	fields := h.list()
	c := Header{fields: make([]headerField, len(fields))}
	for i, f := range fields {
		c.fields[i] = headerField{strings.Clone(f.name), strings.Clone(f.value)}
	}
	return c
}

// ContainsToken reports whether the comma-separated list in any field of the
// given name contains token, compared case-insensitively (RFC 9110 §5.6.1).
func (h *Header) ContainsToken(name, token string) bool {
	fields := h.list()
	for i := range fields {
		if equalFold(fields[i].name, name) && listContainsToken(fields[i].value, token) {
			return true
		}
	}
	return false
}

// listContainsToken reports whether a comma-separated list holds token.
func listContainsToken(list, token string) bool {
	for list != "" {
		var item string
		item, list, _ = strings.Cut(list, ",")
		if equalFold(syntax.TrimOWS(item), token) {
			return true
		}
	}
	return false
}

// equalFold compares two ASCII strings case-insensitively without allocating.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		ca, cb := a[i], b[i]
		if ca == cb {
			continue
		}
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return false
		}
	}
	return true
}
