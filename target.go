package httpserver

import "github.com/rawsock/httpserver/internal/syntax"

// parseTarget splits r.Target into its parts according to its form (RFC
// 9112 §3.2) and decodes the path.
func parseTarget(r *Request) error {
	t := r.Target
	if t == "" {
		return badRequest("empty request-target", t)
	}
	// RFC 9112 §3.2 / RFC 3986: the target holds no whitespace, controls,
	// non-ASCII or fragment; anything else is a malformed request-line.
	if !syntax.ValidTargetBytes(t) {
		return badRequest("invalid character in request-target", t)
	}
	switch {
	case r.Method == "CONNECT" && r.Protocol == "":
		// RFC 8441 §4: an extended CONNECT (Protocol set) has an
		// origin-form :path instead, handled below.
		// RFC 9112 §3.2.3: CONNECT uses, and only CONNECT uses, the
		// authority-form "host:port" (RFC 9110 §9.3.6: both parts).
		if !syntax.ValidConnectAuthority(t) {
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
	// be treated as an error; RFC 9110 §4.2.1: an empty host ("http:///",
	// "http://:80/") is invalid. RFC 3986 §2.1: a '%' in the host must
	// start a pct-encoded triplet.
	if !syntax.ValidURIAuthority(authority) {
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
