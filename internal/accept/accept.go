// Package accept parses the weighted lists of the Accept-* header fields
// (RFC 9110 §12.4.2, §12.5.3), so that content negotiation in different
// packages reads them the same way; what to do with the weights is left to
// each caller.
//
//	present := accept.Elements(&r.Header, "Accept-Encoding", func(coding string, q int) {
//		// q in thousandths: "gzip;q=0.5" gives ("gzip", 500)
//	})
package accept

import (
	"strings"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/syntax"
)

// Elements calls fn for every element of every field called name in h, in
// order, with the element's value (trimmed of whitespace, parameters
// removed) and its weight in thousandths (1000 without a q parameter).
// Empty elements and elements with a malformed qvalue are skipped. It
// reports whether any such field is present.
func Elements(h *httpserver.Header, name string, fn func(value string, q int)) bool {
	present := false
	for field, v := range h.All() {
		if !strings.EqualFold(field, name) {
			continue
		}
		present = true
		for v != "" {
			var elem string
			elem, v, _ = strings.Cut(v, ",")
			value, params, _ := strings.Cut(elem, ";")
			value = syntax.TrimOWS(value)
			if value == "" {
				continue
			}
			if q, ok := Weight(params); ok {
				fn(value, q)
			}
		}
	}
	return present
}

// Weight returns the q parameter among an element's parameters (the text
// after its first ';'), in thousandths; 1000 when there is none. A
// malformed qvalue reports false.
func Weight(params string) (int, bool) {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, _ := strings.Cut(syntax.TrimOWS(p), "=")
		if strings.EqualFold(syntax.TrimOWS(k), "q") {
			return QValue(syntax.TrimOWS(v))
		}
	}
	return 1000, true
}

// QValue parses qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
// (RFC 9110 §12.4.2) as thousandths.
func QValue(s string) (int, bool) {
	if s == "" || (s[0] != '0' && s[0] != '1') {
		return 0, false
	}
	q := int(s[0]-'0') * 1000
	if len(s) == 1 {
		return q, true
	}
	if s[1] != '.' || len(s) > 5 {
		return 0, false
	}
	scale := 100
	for i := 2; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' || (q == 1000 && c != '0') {
			return 0, false
		}
		q += int(c-'0') * scale
		scale /= 10
	}
	return q, true
}

// Combine returns the weight of a value listed again: the lower of the
// q-value seen before (-1 when none) and the one just read. RFC 9110
// §12.5.3 does not say which of two listings counts, so an exclusion
// anywhere ("gzip;q=0, gzip") is honoured.
func Combine(seen, q int) int {
	if seen < 0 || q < seen {
		return q
	}
	return seen
}
