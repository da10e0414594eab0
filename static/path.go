package static

import (
	"path"
	"strings"
	"unicode/utf8"

	"github.com/rawsock/httpserver"
)

// resolvePath validates a decoded request path and turns it into an fs.FS
// name relative to the root ("." for the root itself). It reports whether
// the path ended with a slash, and a status other than 0 when the request
// must be refused.
//
// The path is cleaned (RFC 3986 §5.2.4 dot-segment removal): a rooted path
// cannot climb above "/", so ".." segments, decoded from "%2e%2e" or not,
// never leave the root.
func resolvePath(p string, dots dotfiles) (name string, slash bool, status int) {
	// RFC 9112 §3.2.1: an origin-form target starts with "/"; the handler
	// serves nothing for the asterisk or authority forms.
	if p == "" || p[0] != '/' {
		return "", false, httpserver.StatusBadRequest
	}
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		// A decoded NUL or other control byte is never part of a file
		// name we serve, and NUL truncates names in C APIs (RFC 3986 §7.3).
		case c < 0x20 || c == 0x7f:
			return "", false, httpserver.StatusBadRequest
		// A backslash is a separator on Windows: "..\" would climb
		// there. Refused on every OS so that behaviour does not depend on
		// it (RFC 3986 §7.3, "rare or unusual characters").
		case c == '\\':
			return "", false, httpserver.StatusBadRequest
		}
	}
	// File names are UTF-8; invalid sequences, overlong encodings of '.'
	// and '/' ("%c0%ae") included, are refused (RFC 3629 §10).
	if !utf8.ValidString(p) {
		return "", false, httpserver.StatusBadRequest
	}
	slash = strings.HasSuffix(p, "/")
	clean := path.Clean(p)
	if clean == "/" {
		return ".", slash, 0
	}
	name = clean[1:]
	for first, rest := true, name; rest != ""; first = false {
		var seg string
		seg, rest, _ = strings.Cut(rest, "/")
		// A Windows drive letter ("C:") makes the path absolute there;
		// refused everywhere (RFC 8089 Appendix E.2).
		if isDriveLetter(seg) {
			return "", false, httpserver.StatusBadRequest
		}
		if dots.hidesSegment(seg, first) {
			return "", false, httpserver.StatusNotFound
		}
	}
	return name, slash, 0
}

// isDriveLetter reports whether seg starts like "C:".
func isDriveLetter(seg string) bool {
	if len(seg) < 2 || seg[1] != ':' {
		return false
	}
	c := seg[0] | 0x20
	return 'a' <= c && c <= 'z'
}

// lastSegment returns what follows the last '/' of p.
func lastSegment(p string) string {
	return p[strings.LastIndexByte(p, '/')+1:]
}
