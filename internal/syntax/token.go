package syntax

// IsTokenByte reports whether c is a tchar (RFC 9110 §5.6.2):
// "!#$%&'*+-.^_`|~", DIGIT or ALPHA.
func IsTokenByte(c byte) bool { return tchar[c] }

// ValidToken reports whether s is a token, 1*tchar (RFC 9110 §5.6.2). The
// empty string is not a token.
func ValidToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tchar[s[i]] {
			return false
		}
	}
	return true
}

// TokenLen returns the length of the longest run of tchar at the start of
// b (RFC 9110 §5.6.2); 0 means b does not start with a token.
func TokenLen(b []byte) int {
	n := 0
	for n < len(b) && tchar[b[n]] {
		n++
	}
	return n
}

// ValidMethod reports whether s is a request method: method = token (RFC
// 9110 §9.1, RFC 9112 §3.1). Methods are case-sensitive; extension methods
// are valid.
func ValidMethod(s string) bool { return ValidToken(s) }
