package syntax

import (
	"errors"
	"strings"
)

// MaxContentLengthDigits bounds a Content-Length value so that it stays
// below 2^63 and parsing cannot overflow.
const MaxContentLengthDigits = 18

// Errors of [ParseContentLength].
var (
	// ErrContentLengthSyntax reports an element that is not 1*DIGIT or
	// is longer than MaxContentLengthDigits.
	ErrContentLengthSyntax = errors.New("httpserver: invalid Content-Length")
	// ErrContentLengthConflict reports a list of differing values.
	ErrContentLengthConflict = errors.New("httpserver: conflicting Content-Length values")
)

// ParseContentLength parses a Content-Length field value, Content-Length =
// 1*DIGIT (RFC 9110 §8.6). A comma-separated list of identical values
// ("5, 5"), which a recipient may accept as one value (RFC 9110 §8.6), is
// accepted; differing values are [ErrContentLengthConflict] (RFC 9112 §6.3
// rule 5), and anything else that is not plain digits (a sign, hex, inner
// whitespace, an empty element as in "5," or ",5") is
// [ErrContentLengthSyntax]. On error, bad is the offending element.
//
// Values of several field lines must be compared by the caller, which sees
// them all.
func ParseContentLength(v string) (n int64, bad string, err error) {
	n = -1
	for {
		item, rest, more := strings.Cut(v, ",")
		item = TrimOWS(item)
		// An empty element ("5,", ",5") is not 1*DIGIT: reject it, as
		// llhttp and net/http do, rather than read it differently.
		if item == "" || len(item) > MaxContentLengthDigits {
			return 0, item, ErrContentLengthSyntax
		}
		var m int64
		for i := 0; i < len(item); i++ {
			if !IsDigit(item[i]) {
				return 0, item, ErrContentLengthSyntax
			}
			m = m*10 + int64(item[i]-'0')
		}
		if n >= 0 && m != n {
			return 0, item, ErrContentLengthConflict
		}
		n = m
		if !more {
			return n, "", nil
		}
		v = rest
	}
}
