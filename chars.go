package httpserver

// Character classes of RFC 9110 §5.6.2 (token), §5.5 (field values) and RFC
// 3986 (URIs), as 256-entry tables so that each check is one load.

// isTchar reports token characters: "!#$%&'*+-.^_`|~", DIGIT, ALPHA.
var isTchar = [256]bool{}

// isFieldVchar reports bytes allowed inside a field value: VCHAR, obs-text,
// SP and HTAB (RFC 9110 §5.5). CR, LF, NUL and other controls are not.
var isFieldVchar = [256]bool{}

// isTargetChar reports bytes allowed in a request-target: the RFC 3986
// characters (unreserved, reserved and '%'), minus '#' since a request never
// carries a fragment (RFC 9112 §3.2).
var isTargetChar = [256]bool{}

// isRegNameChar reports bytes allowed in a host name: unreserved,
// sub-delims and '%' (RFC 3986 §3.2.2).
var isRegNameChar = [256]bool{}

func init() {
	for c := 0; c < 256; c++ {
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		isTchar[c] = alnum || c < 128 && containsByte("!#$%&'*+-.^_`|~", byte(c))
		isFieldVchar[c] = c == ' ' || c == '\t' || (c > 0x20 && c != 0x7f)
		unreserved := alnum || c < 128 && containsByte("-._~", byte(c))
		subDelims := c < 128 && containsByte("!$&'()*+,;=", byte(c))
		isTargetChar[c] = unreserved || subDelims || c < 128 && containsByte(":/?@[]%", byte(c))
		isRegNameChar[c] = unreserved || subDelims || c == '%'
	}
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

// validToken reports whether s is a non-empty token (RFC 9110 §5.6.2).
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTchar[s[i]] {
			return false
		}
	}
	return true
}

// validFieldValue reports whether s holds only field-value bytes.
func validFieldValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isFieldVchar[s[i]] {
			return false
		}
	}
	return true
}
