package router

import (
	"unsafe"

	"github.com/rawsock/httpserver/internal/syntax"
)

// pathState classifies a raw (still percent-encoded) request path.
type pathState uint8

const (
	pathClean        pathState = iota // matchable as is
	pathUnclean                       // has "//", "." or ".." segments
	pathEncodedSlash                  // a segment holds "%2F"
	pathBad                           // NUL, control bytes or a broken escape
)

// inspect classifies a raw path that starts with '/'. It does not allocate.
//
// Dot segments are recognised after decoding, so "%2e%2E" is ".." (RFC 3986
// §2.3 and §6.2.2.2: percent-encoded unreserved characters are equivalent
// to the characters themselves).
func inspect(raw string) pathState {
	unclean, encodedSlash := false, false
	start := 1
	for i := 1; i <= len(raw); i++ {
		if i < len(raw) {
			c := raw[i]
			switch {
			case c == '/':
			case c == '%':
				// RFC 3986 §2.1: "%" must be followed by two hex digits.
				if !syntax.PctTripletAt(raw, i) {
					return pathBad
				}
				// RFC 3986 §7.3: an encoded NUL would reach code that
				// treats it as a terminator; refuse it.
				if raw[i+1] == '0' && raw[i+2] == '0' {
					return pathBad
				}
				// An encoded '/' would let one segment pose as two
				// (RFC 3986 §2.2: reserved characters, encoded or not,
				// are not equivalent); such paths match no route.
				if raw[i+1] == '2' && (raw[i+2] == 'f' || raw[i+2] == 'F') {
					encodedSlash = true
				}
				continue
			case c < 0x20 || c == 0x7f:
				// RFC 3986 §2 and RFC 9112 §3.2: no control
				// characters (NUL included) in a request-target.
				return pathBad
			default:
				continue
			}
		}
		seg := raw[start:i]
		if (seg == "" && i < len(raw)) || dots(seg) > 0 {
			unclean = true
		}
		start = i + 1
	}
	switch {
	case encodedSlash:
		return pathEncodedSlash
	case unclean:
		return pathUnclean
	}
	return pathClean
}

// dots returns 1 or 2 when seg decodes to "." or "..", and 0 otherwise.
func dots(seg string) int {
	n := 0
	for seg != "" {
		switch {
		case seg[0] == '.':
			seg = seg[1:]
		case len(seg) >= 3 && seg[0] == '%' && seg[1] == '2' && (seg[2] == 'e' || seg[2] == 'E'):
			seg = seg[3:]
		default:
			return 0
		}
		if n++; n > 2 {
			return 0
		}
	}
	return n
}

// cleanRaw cleans a raw path that starts with '/' like path.Clean, except
// that it keeps a trailing slash and treats a final "." or ".." segment as
// leaving one (RFC 3986 §5.2.4): empty segments are dropped, "." segments
// removed, and ".." removes the segment before it, never going above the
// root. Segments keep their encoding.
func cleanRaw(raw string) string {
	buf := make([]byte, 1, len(raw)+1)
	buf[0] = '/' // buf always ends with '/'
	trailing := false
	start := 1
	for i := 1; i <= len(raw); i++ {
		if i < len(raw) && raw[i] != '/' {
			continue
		}
		seg := raw[start:i]
		start = i + 1
		switch d := dots(seg); {
		case seg == "" || d == 1:
			trailing = true
		case d == 2:
			if len(buf) > 1 {
				j := len(buf) - 2
				for buf[j] != '/' {
					j--
				}
				buf = buf[:j+1]
			}
			trailing = true
		default:
			buf = append(buf, seg...)
			buf = append(buf, '/')
			trailing = false
		}
	}
	if !trailing && len(buf) > 1 {
		buf = buf[:len(buf)-1]
	}
	return string(buf)
}

// otherSlash returns p with its trailing slash removed, or added.
func otherSlash(p string) string {
	if len(p) > 1 && p[len(p)-1] == '/' {
		return p[:len(p)-1]
	}
	return p + "/"
}

// otherSlashBuf is otherSlash building the longer form in buf when it
// fits, so that the result does not allocate. The result aliases buf.
func otherSlashBuf(p string, buf []byte) string {
	if len(p) > 1 && p[len(p)-1] == '/' || len(p)+1 > cap(buf) {
		return otherSlash(p)
	}
	buf = append(append(buf, p...), '/')
	return unsafe.String(unsafe.SliceData(buf), len(buf))
}
