package middleware

import (
	"strings"

	"github.com/rawsock/httpserver"
)

// encoding is a content coding the compressor can produce.
type encoding uint8

const (
	encIdentity encoding = iota
	encZstd
	encGzip
	encDeflate
	numEncodings
)

// encodingNames are the content-coding names (RFC 9110 §8.4.1, RFC 8878).
var encodingNames = [numEncodings]string{encIdentity: "identity", encZstd: "zstd", encGzip: "gzip", encDeflate: "deflate"}

// supportedEncodings are in server preference order, used to break ties:
// zstd compresses better and faster than gzip, which every client has.
var supportedEncodings = [...]encoding{encZstd, encGzip, encDeflate}

// negotiateEncoding picks a content coding from the Accept-Encoding fields
// of r (RFC 9110 §12.5.3): the supported coding with the highest q-value,
// where an unlisted coding takes the q-value of "*" (or is unacceptable if
// there is no "*"), "x-gzip" counts as "gzip" (RFC 9110 §8.4.1.3), q=0
// means "not acceptable", and ties go to the server's preference. Elements
// with a malformed q-value are ignored. It returns encIdentity when no
// coding is acceptable or the field is absent (identity is then sent even
// if excluded: RFC 9110 §12.5.3 allows a response without coding).
func negotiateEncoding(r *httpserver.Request, allowed func(encoding) bool) encoding {
	var q [len(supportedEncodings)]int // -1: not listed
	for i := range q {
		q[i] = -1
	}
	star := -1
	found := false
	for name, v := range r.Header.All() {
		if !strings.EqualFold(name, "Accept-Encoding") {
			continue
		}
		found = true
		for v != "" {
			var elem string
			elem, v, _ = strings.Cut(v, ",")
			coding, params, _ := strings.Cut(elem, ";")
			coding = strings.TrimSpace(coding)
			qv, ok := parseQ(params)
			if !ok || coding == "" {
				continue
			}
			if coding == "*" {
				star = qv
				continue
			}
			if strings.EqualFold(coding, "x-gzip") {
				coding = "gzip"
			}
			for i, e := range supportedEncodings {
				if strings.EqualFold(coding, encodingNames[e]) {
					q[i] = qv
				}
			}
		}
	}
	if !found {
		return encIdentity
	}
	best, bestQ := encIdentity, 0
	for i, e := range supportedEncodings {
		v := q[i]
		if v < 0 {
			v = star
		}
		if v > bestQ && allowed(e) {
			best, bestQ = e, v
		}
	}
	return best
}

// parseQ reads the weight in the parameters of an Accept-Encoding element,
// as thousandths (RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) /
// ( "1" [ "." 0*3("0") ] )). No q parameter means 1000.
func parseQ(params string) (int, bool) {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		v = strings.TrimSpace(v)
		if v == "" || len(v) > 5 || (v[0] != '0' && v[0] != '1') {
			return 0, false
		}
		n := int(v[0]-'0') * 1000
		if len(v) > 1 {
			if v[1] != '.' {
				return 0, false
			}
			scale := 100
			for i := 2; i < len(v); i++ {
				c := v[i]
				if c < '0' || c > '9' {
					return 0, false
				}
				n += int(c-'0') * scale
				scale /= 10
			}
		}
		if n > 1000 {
			return 0, false
		}
		return n, true
	}
	return 1000, true
}
