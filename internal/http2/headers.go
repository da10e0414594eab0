package http2

import (
	"strings"

	"github.com/rawsock/httpserver/internal/http2/hpack"
)

// Pseudo holds the validated request pseudo-header fields (RFC 9113
// §8.3.1, RFC 8441 §4). Absent fields are empty.
type Pseudo struct {
	Method    string
	Scheme    string
	Authority string
	Path      string
	// Protocol is the :protocol of an extended CONNECT (RFC 8441).
	Protocol string
}

// requestCheck accumulates what validation of a request field block
// found besides the pseudo-headers.
type requestCheck struct {
	pseudo        Pseudo
	contentLength int64 // -1: absent
	host          string
	hasHost       bool
}

// validateRequestFields checks a decoded request field block. Every
// failure makes the request malformed, which RFC 9113 §8.1.1 makes a
// stream error of type PROTOCOL_ERROR; the returned string says why.
func validateRequestFields(fields []hpack.HeaderField, connectProtocol bool) (requestCheck, string) {
	rc := requestCheck{contentLength: -1}
	var seen uint8 // bit per pseudo-header
	regular := false
	for _, f := range fields {
		if reason := checkFieldSyntax(f.Name, f.Value); reason != "" {
			return rc, reason
		}
		if f.Name[0] == ':' {
			// RFC 9113 §8.3: pseudo-header fields MUST come before regular
			// fields.
			if regular {
				return rc, "pseudo-header field after a regular field"
			}
			var bit uint8
			var dst *string
			switch f.Name {
			case ":method":
				bit, dst = 1, &rc.pseudo.Method
			case ":scheme":
				bit, dst = 2, &rc.pseudo.Scheme
			case ":authority":
				bit, dst = 4, &rc.pseudo.Authority
			case ":path":
				bit, dst = 8, &rc.pseudo.Path
			case ":protocol":
				// RFC 8441 §3, §4: :protocol only once the server sent
				// SETTINGS_ENABLE_CONNECT_PROTOCOL = 1.
				if !connectProtocol {
					return rc, "`:protocol` without SETTINGS_ENABLE_CONNECT_PROTOCOL"
				}
				bit, dst = 16, &rc.pseudo.Protocol
			default:
				// RFC 9113 §8.3: undefined pseudo-headers, and response
				// pseudo-headers in a request, are malformed.
				return rc, "unknown or response pseudo-header field " + quote(f.Name)
			}
			// RFC 9113 §8.3.1: each pseudo-header field at most once.
			if seen&bit != 0 {
				return rc, "duplicate pseudo-header field " + quote(f.Name)
			}
			seen |= bit
			*dst = f.Value
			continue
		}
		regular = true
		switch f.Name {
		case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade":
			// RFC 9113 §8.2.2: connection-specific fields are malformed.
			return rc, "connection-specific field " + quote(f.Name)
		case "te":
			// RFC 9113 §8.2.2: TE may only carry "trailers".
			if f.Value != "trailers" {
				return rc, "te other than \"trailers\""
			}
		case "content-length":
			n, ok := parseContentLength(f.Value)
			// RFC 9110 §8.6: a list of differing values is invalid; we
			// accept only repeats of one value.
			if !ok || (rc.contentLength >= 0 && rc.contentLength != n) {
				return rc, "invalid content-length"
			}
			rc.contentLength = n
		case "host":
			if rc.hasHost {
				return rc, "duplicate host"
			}
			rc.host, rc.hasHost = f.Value, true
		}
	}
	p := &rc.pseudo
	if p.Method == "CONNECT" && p.Protocol == "" {
		// RFC 9113 §8.5: CONNECT carries :authority and omits :scheme and
		// :path.
		if seen&4 == 0 || seen&(2|8) != 0 {
			return rc, "CONNECT needs :authority and no :scheme or :path"
		}
	} else {
		// RFC 9113 §8.3.1: :method, :scheme and :path are required; RFC
		// 8441 §4: an extended CONNECT has them too, and :protocol
		// belongs only to CONNECT.
		if seen&(1|2|8) != 1|2|8 {
			return rc, "missing :method, :scheme or :path"
		}
		if p.Protocol != "" && p.Method != "CONNECT" {
			return rc, ":protocol on a method other than CONNECT"
		}
		// RFC 9113 §8.3.1: :path is not empty for http and https; it is
		// an absolute path, or "*" for OPTIONS.
		if p.Path == "" {
			return rc, "empty :path"
		}
		if p.Path[0] != '/' && (p.Path != "*" || p.Method != "OPTIONS") {
			return rc, ":path is neither an absolute path nor * for OPTIONS"
		}
	}
	if p.Method == "" || !isToken(p.Method) {
		return rc, "invalid :method"
	}
	// RFC 9113 §8.3.1: :authority never carries userinfo for http and
	// https.
	if strings.IndexByte(p.Authority, '@') >= 0 {
		return rc, ":authority with userinfo"
	}
	// RFC 9113 §8.3.1: a Host field that differs from :authority makes the
	// request malformed (SHOULD; we always do).
	if rc.hasHost && seen&4 != 0 && rc.host != p.Authority {
		return rc, "host differs from :authority"
	}
	return rc, ""
}

// validateTrailerFields checks a trailer field block (RFC 9113 §8.1):
// regular fields only, with the same syntax rules.
func validateTrailerFields(fields []hpack.HeaderField) string {
	for _, f := range fields {
		if reason := checkFieldSyntax(f.Name, f.Value); reason != "" {
			return reason
		}
		// RFC 9113 §8.1: trailers MUST NOT contain pseudo-header fields.
		if f.Name[0] == ':' {
			return "pseudo-header field in trailers"
		}
		switch f.Name {
		case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade":
			// RFC 9113 §8.2.2.
			return "connection-specific field " + quote(f.Name)
		}
	}
	return ""
}

// checkFieldSyntax applies RFC 9113 §8.2.1 to one field.
func checkFieldSyntax(name, value string) string {
	if name == "" {
		return "empty field name"
	}
	start := 0
	if name[0] == ':' {
		start = 1
	}
	for i := start; i < len(name); i++ {
		c := name[i]
		// RFC 9113 §8.2.1: a name with an uppercase letter, or any octet
		// outside the lowercase token characters, is malformed.
		if c >= 'A' && c <= 'Z' {
			return "uppercase field name " + quote(name)
		}
		if !tokenChar[c] {
			return "invalid field name " + quote(name)
		}
	}
	if start == 1 && len(name) == 1 {
		return "empty pseudo-header name"
	}
	for i := 0; i < len(value); i++ {
		// RFC 9113 §8.2.1: NUL, CR and LF are never allowed in a value.
		if c := value[i]; c == 0 || c == '\r' || c == '\n' {
			return "invalid character in the value of " + quote(name)
		}
	}
	// RFC 9113 §8.2.1: a value MUST NOT start or end with whitespace.
	if n := len(value); n > 0 && (isWS(value[0]) || isWS(value[n-1])) {
		return "leading or trailing whitespace in the value of " + quote(name)
	}
	return ""
}

func isWS(c byte) bool { return c == ' ' || c == '\t' }

func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if !tokenChar[s[i]] {
			return false
		}
	}
	return true
}

// tokenChar marks the tchar octets of RFC 9110 §5.6.2.
var tokenChar = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// parseContentLength parses 1*DIGIT (RFC 9110 §8.6) without overflow.
func parseContentLength(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// quote is %q without fmt, for reasons on error paths.
func quote(s string) string {
	const max = 64
	if len(s) > max {
		s = s[:max]
	}
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20 || c >= 0x7f:
			const hex = "0123456789abcdef"
			b = append(b, '\\', 'x', hex[c>>4], hex[c&15])
		default:
			b = append(b, c)
		}
	}
	return string(append(b, '"'))
}
