package httpserver

import "strings"

// parseTarget splits r.Target into its parts according to its form (RFC
// 9112 §3.2) and decodes the path.
func parseTarget(r *Request) error {
	t := r.Target
	if t == "" {
		return badRequest("empty request-target", t)
	}
	// RFC 9112 §3.2 / RFC 3986: the target holds no whitespace, controls,
	// non-ASCII or fragment; anything else is a malformed request-line.
	for i := 0; i < len(t); i++ {
		if !isTargetChar[t[i]] {
			return badRequest("invalid character in request-target", t)
		}
	}
	switch {
	case r.Method == "CONNECT":
		// RFC 9112 §3.2.3: CONNECT uses, and only CONNECT uses, the
		// authority-form "host:port".
		if !validAuthority(t, true) {
			return badRequest("CONNECT needs an authority-form target, got", t)
		}
		r.Host = t
		return nil
	case t[0] == '/':
		return splitPathQuery(r, t)
	case t == "*":
		// RFC 9112 §3.2.4: the asterisk-form is only for OPTIONS.
		if r.Method != "OPTIONS" {
			return badRequest("asterisk-form target with method", r.Method)
		}
		return nil
	}
	return parseAbsoluteForm(r, t)
}

// parseAbsoluteForm handles "http://authority/path?query" (RFC 9112
// §3.2.2). The authority replaces any Host field value for this request.
func parseAbsoluteForm(r *Request, t string) error {
	var rest string
	switch {
	case hasPrefixFold(t, "http://"):
		rest = t[len("http://"):]
	case hasPrefixFold(t, "https://"):
		rest = t[len("https://"):]
	default:
		return badRequest("unsupported request-target", t)
	}
	end := len(rest)
	for i := 0; i < len(rest); i++ {
		if rest[i] == '/' || rest[i] == '?' {
			end = i
			break
		}
	}
	authority := rest[:end]
	// RFC 9110 §4.2.4: userinfo in an http(s) URI is deprecated and must
	// be treated as an error; RFC 9110 §4.2.1: an empty host is invalid.
	if !validAuthority(authority, false) || authority == "" {
		return badRequest("invalid authority in request-target", t)
	}
	r.Host = authority
	pathQuery := rest[end:]
	if pathQuery == "" || pathQuery[0] == '?' {
		// RFC 9112 §3.2.1: an empty path is "/".
		r.RawQuery = trimLeadingQuestion(pathQuery)
		r.Path, r.RawPath = "/", "/"
		return nil
	}
	return splitPathQuery(r, pathQuery)
}

func trimLeadingQuestion(s string) string {
	if s != "" && s[0] == '?' {
		return s[1:]
	}
	return s
}

// splitPathQuery sets RawPath, RawQuery and the decoded Path.
func splitPathQuery(r *Request, pq string) error {
	r.RawPath, r.RawQuery = cutByte(pq, '?')
	p, scratch, ok := unescape(r.RawPath, r.scratch, false)
	r.scratch = scratch
	// RFC 3986 §2.1: '%' must introduce two hex digits.
	if !ok {
		return badRequest("invalid percent-encoding in path", r.RawPath)
	}
	// A NUL in a path is never legitimate and truncates file names in
	// lower layers; refuse it outright.
	for i := 0; i < len(p); i++ {
		if p[i] == 0 {
			return badRequest("NUL byte in path", r.RawPath)
		}
	}
	r.Path = p
	return nil
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && equalFold(s[:len(prefix)], prefix)
}

// validAuthority checks host [":" port] (RFC 3986 §3.2.2-3.2.3; RFC 9110
// §7.2 for Host). Userinfo is not accepted. With needPort the port must be
// present, as CONNECT requires (RFC 9110 §9.3.6).
func validAuthority(a string, needPort bool) bool {
	var port string
	hasPort := false
	if strings.HasPrefix(a, "[") {
		end := strings.IndexByte(a, ']')
		if end < 0 || !validIPLiteral(a[1:end]) {
			return false
		}
		if rest := a[end+1:]; rest != "" {
			if rest[0] != ':' {
				return false
			}
			port, hasPort = rest[1:], true
		}
	} else {
		host := a
		if i := strings.IndexByte(a, ':'); i >= 0 {
			host, port, hasPort = a[:i], a[i+1:], true
		}
		for i := 0; i < len(host); i++ {
			if !isRegNameChar[host[i]] {
				return false
			}
		}
		if !validPercents(host) {
			return false
		}
		if needPort && host == "" {
			return false
		}
	}
	if needPort && (!hasPort || port == "") {
		return false
	}
	// RFC 3986 §3.2.3: port = *DIGIT; more than five digits is never a
	// TCP port.
	if len(port) > 5 {
		return false
	}
	for i := 0; i < len(port); i++ {
		if !isDigit(port[i]) {
			return false
		}
	}
	return true
}

// validIPLiteral accepts the characters of an IPv6 address or IPvFuture
// inside brackets; the exact grammar is left to the resolver.
func validIPLiteral(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isHex(c) || c == ':' || c == '.' || c == 'v' || c == 'V' || isRegNameChar[c]) {
			return false
		}
	}
	return validPercents(s) // a zone ID is introduced by "%25" (RFC 6874)
}

// validPercents reports whether every '%' in s starts a pct-encoded
// triplet, '%' HEXDIG HEXDIG (RFC 3986 §2.1): a host "%" or "a%2" is not
// a host.
func validPercents(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && (i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2])) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	_, ok := unhex(c)
	return ok
}
