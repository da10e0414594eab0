package middleware

import (
	"strings"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/accept"
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
// with a malformed q-value are ignored. A coding listed more than once
// takes its lowest q-value: RFC 9110 §12.5.3 does not say which one
// counts, so an exclusion anywhere ("gzip;q=0, gzip") is honoured. It returns encIdentity when no
// coding is acceptable or the field is absent (identity is then sent even
// if excluded: RFC 9110 §12.5.3 allows a response without coding).
func negotiateEncoding(r *httpserver.Request, allowed func(encoding) bool) encoding {
	var q [len(supportedEncodings)]int // -1: not listed
	for i := range q {
		q[i] = -1
	}
	star := -1
	found := accept.Elements(&r.Header, "Accept-Encoding", func(coding string, qv int) {
		if coding == "*" {
			star = accept.Combine(star, qv)
			return
		}
		if strings.EqualFold(coding, "x-gzip") {
			coding = "gzip"
		}
		for i, e := range supportedEncodings {
			if strings.EqualFold(coding, encodingNames[e]) {
				q[i] = accept.Combine(q[i], qv)
			}
		}
	})
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
