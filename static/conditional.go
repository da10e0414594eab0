package static

import (
	"strings"
	"time"

	"github.com/rawsock/httpserver"
)

// validators are what a representation can be compared against: its
// entity-tag ("" if none) and modification time (zero if none), truncated
// to the second as sent in Last-Modified.
type validators struct {
	etag    string
	modtime time.Time
}

// checkPreconditions evaluates the conditional header fields of a GET or
// HEAD request in the order of RFC 9110 §13.2.2 and returns 0 to go on, or
// the status to answer: 412 Precondition Failed or 304 Not Modified.
func checkPreconditions(r *httpserver.Request, v validators) int {
	// Step 1: If-Match, strong comparison (§13.1.1).
	if hasField(r, "If-Match") {
		if !matchAnyField(r, "If-Match", v.etag, true) {
			return httpserver.StatusPreconditionFailed
		}
	} else if ius, ok := singleDate(r, "If-Unmodified-Since"); ok && !v.modtime.IsZero() {
		// Step 2: If-Unmodified-Since, only without If-Match
		// (§13.1.4); an invalid date is ignored.
		if v.modtime.After(ius) {
			return httpserver.StatusPreconditionFailed
		}
	}
	// Step 3: If-None-Match, weak comparison (§13.1.2); a match is 304
	// for GET and HEAD, the only methods served here.
	if hasField(r, "If-None-Match") {
		if matchAnyField(r, "If-None-Match", v.etag, false) {
			return httpserver.StatusNotModified
		}
	} else if ims, ok := singleDate(r, "If-Modified-Since"); ok && !v.modtime.IsZero() {
		// Step 4: If-Modified-Since, only without If-None-Match
		// (§13.1.3).
		if !v.modtime.After(ims) {
			return httpserver.StatusNotModified
		}
	}
	return 0
}

// checkIfRange evaluates If-Range (RFC 9110 §13.1.5): it reports whether the
// Range field should be honoured. A field that holds a weak tag, or a date
// that does not equal the modification time exactly, means "send the whole
// representation".
func checkIfRange(r *httpserver.Request, v validators) bool {
	ir, ok := r.Header.Lookup("If-Range")
	if !ok {
		return true
	}
	ir = strings.TrimSpace(ir)
	if strings.HasPrefix(ir, `"`) {
		// §13.1.5: an entity-tag compared with the strong function.
		tag, rest, ok := parseETag(ir)
		return ok && strings.TrimSpace(rest) == "" && v.etag != "" && strongMatch(tag, v.etag)
	}
	if strings.HasPrefix(ir, "W/") {
		return false
	}
	t, ok := parseHTTPDate(ir)
	return ok && !v.modtime.IsZero() && t.Equal(v.modtime)
}

func hasField(r *httpserver.Request, name string) bool { return r.Header.Has(name) }

// singleDate returns the date of a field that must hold one HTTP-date; a
// missing, repeated or invalid field reports false and is ignored (RFC 9110
// §13.1.3, §13.1.4).
func singleDate(r *httpserver.Request, name string) (time.Time, bool) {
	if r.Header.Count(name) != 1 {
		return time.Time{}, false
	}
	return parseHTTPDate(strings.TrimSpace(r.Header.Get(name)))
}

// matchAnyField reports whether any member of the named list fields matches
// etag: "*" matches any current representation; otherwise the strong or
// weak comparison of §8.8.3.2 applies. A list that fails to parse matches
// nothing from the point where it fails.
func matchAnyField(r *httpserver.Request, name, etag string, strong bool) bool {
	for n, v := range r.Header.All() {
		if !strings.EqualFold(n, name) {
			continue
		}
		if matchList(v, etag, strong) {
			return true
		}
	}
	return false
}

// matchList reports whether the field value list ("*" or 1#entity-tag)
// matches etag.
func matchList(list, etag string, strong bool) bool {
	list = strings.TrimSpace(list)
	if list == "*" {
		return true
	}
	if etag == "" {
		return false
	}
	for {
		list = strings.TrimLeft(list, " \t,")
		if list == "" {
			return false
		}
		tag, rest, ok := parseETag(list)
		if !ok {
			return false
		}
		if strong && strongMatch(tag, etag) || !strong && weakMatch(tag, etag) {
			return true
		}
		rest = strings.TrimLeft(rest, " \t")
		if rest != "" && rest[0] != ',' {
			return false
		}
		list = rest
	}
}

// parseETag parses one entity-tag (RFC 9110 §8.8.3: [ "W/" ] DQUOTE
// *etagc DQUOTE) at the start of s.
func parseETag(s string) (tag, rest string, ok bool) {
	start := 0
	if strings.HasPrefix(s, "W/") {
		start = 2
	}
	if len(s) < start+2 || s[start] != '"' {
		return "", s, false
	}
	for i := start + 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			return s[:i+1], s[i+1:], true
		case c == 0x21 || 0x23 <= c && c <= 0x7e || c >= 0x80: // etagc
		default:
			return "", s, false
		}
	}
	return "", s, false
}

// strongMatch: both tags strong and identical (§8.8.3.2).
func strongMatch(a, b string) bool {
	return !strings.HasPrefix(a, "W/") && !strings.HasPrefix(b, "W/") && a == b
}

// weakMatch: opaque tags identical, weakness ignored (§8.8.3.2).
func weakMatch(a, b string) bool {
	return strings.TrimPrefix(a, "W/") == strings.TrimPrefix(b, "W/")
}
