package static

import (
	"strings"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/accept"
)

// sibling describes a precompressed variant of a file: a file next to it
// whose name adds ext, served with Content-Encoding coding.
type sibling struct {
	coding, ext string
}

// siblings lists the variants looked for, in the server's order of
// preference when the client weighs several equally.
var siblings = [...]sibling{
	{"br", ".br"},    // RFC 7932
	{"zstd", ".zst"}, // RFC 8878
	{"gzip", ".gz"},  // RFC 9110 §8.4.1.3
}

// codingWeights holds the q-values (in thousandths, RFC 9110 §12.4.2) an
// Accept-Encoding field gives to the codings served here; -1 means not
// mentioned.
type codingWeights struct {
	byCoding [len(siblings)]int
	identity int
	star     int
}

// parseAcceptEncoding reads every Accept-Encoding field of r (RFC 9110
// §12.5.3); a coding listed twice takes its lower q-value (accept.Combine).
// present is false when there is none: then the server sends the
// identity representation, as most servers do.
func parseAcceptEncoding(r *httpserver.Request) (w codingWeights, present bool) {
	for i := range w.byCoding {
		w.byCoding[i] = -1
	}
	w.identity, w.star = -1, -1
	present = accept.Elements(&r.Header, "Accept-Encoding", func(coding string, q int) {
		switch {
		case coding == "*":
			w.star = accept.Combine(w.star, q)
		case strings.EqualFold(coding, "identity"):
			w.identity = accept.Combine(w.identity, q)
		case strings.EqualFold(coding, "x-gzip"): // §8.4.1.3
			w.byCoding[2] = accept.Combine(w.byCoding[2], q)
		default:
			for i, s := range siblings {
				if strings.EqualFold(coding, s.coding) {
					w.byCoding[i] = accept.Combine(w.byCoding[i], q)
				}
			}
		}
	})
	return w, present
}

// weight returns the q-value of sibling i, taking "*" for unmentioned
// codings (§12.5.3).
func (w *codingWeights) weight(i int) int {
	if q := w.byCoding[i]; q >= 0 {
		return q
	}
	return max(w.star, 0)
}

// identityWeight returns the q-value given to the identity coding, by name
// or through "*", and -1 when the field does not weigh it: identity is then
// acceptable (RFC 9110 §12.5.3) but ranks below any coding the client
// listed.
func (w *codingWeights) identityWeight() int {
	if w.identity >= 0 {
		return w.identity
	}
	return w.star
}

// choose returns the index of the sibling to serve among those available,
// or -1 for the identity representation. A coding wins when its weight is
// positive and not below the weight the field gives identity; ties go to
// the order of siblings.
func (w *codingWeights) choose(available [len(siblings)]bool) int {
	best, bestQ := -1, 0
	for i := range siblings {
		if q := w.weight(i); available[i] && q > bestQ {
			best, bestQ = i, q
		}
	}
	if best >= 0 && bestQ < w.identityWeight() {
		return -1
	}
	return best
}
