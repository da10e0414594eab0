package syntax

import "strings"

// IsRegNameByte reports whether c may appear in a reg-name: unreserved,
// sub-delims or '%' starting a pct-encoded triplet (RFC 3986 §3.2.2).
func IsRegNameByte(c byte) bool { return regNameChar[c] }

// ValidAuthority reports whether a is host [":" port] (RFC 3986
// §3.2.2-3.2.3), the form of the Host field (RFC 9110 §7.2) and of the
// authority of an http(s) URI. Userinfo is not accepted: it is deprecated
// in http(s) URIs and must be treated as an error (RFC 9110 §4.2.4). The
// host may be a reg-name, an IPv4 address or a bracketed IP literal; the
// empty string and an empty host are accepted, since a Host field may be
// empty (RFC 9112 §3.2); see [ValidURIAuthority] for a URI's authority.
func ValidAuthority(a string) bool { return validAuthority(a, false, false) }

// ValidURIAuthority reports whether a is the authority of an http or https
// URI: a [ValidAuthority] with a non-empty host, since such a URI with an
// empty host must be rejected as invalid (RFC 9110 §4.2.1, §4.2.2).
func ValidURIAuthority(a string) bool { return validAuthority(a, true, false) }

// ValidConnectAuthority reports whether a is the authority-form of a
// CONNECT request, uri-host ":" port with both parts present (RFC 9112
// §3.2.3, RFC 9110 §9.3.6).
func ValidConnectAuthority(a string) bool { return validAuthority(a, true, true) }

func validAuthority(a string, needHost, needPort bool) bool {
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
			if !regNameChar[host[i]] {
				return false
			}
		}
		// RFC 3986 §2.1, §3.2.2: a '%' in a host introduces a
		// pct-encoded triplet; "%" or "a%2" is not a host.
		if !ValidPercents(host) {
			return false
		}
		if needHost && host == "" {
			return false
		}
	}
	if needPort && (!hasPort || port == "") {
		return false
	}
	return validPort(port)
}

// validPort reports whether s is a port as a server can use it: port =
// *DIGIT (RFC 3986 §3.2.3), and more than five digits is never a TCP port.
// The empty port is valid (RFC 3986 §3.2.3: it means the default).
func validPort(s string) bool {
	if len(s) > 5 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !IsDigit(s[i]) {
			return false
		}
	}
	return true
}

// validIPLiteral accepts the characters of an IPv6 address or IPvFuture
// inside brackets (RFC 3986 §3.2.2); the exact grammar is left to the
// resolver. A zone ID is introduced by "%25" (RFC 6874), so every '%' must
// start a pct-encoded triplet.
func validIPLiteral(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(IsHexDigit(c) || c == ':' || c == '.' || c == 'v' || c == 'V' || regNameChar[c]) {
			return false
		}
	}
	return ValidPercents(s)
}
