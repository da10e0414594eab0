package syntax

// IsTargetByte reports whether c may appear in a request-target: the RFC
// 3986 characters (unreserved, reserved and '%', RFC 3986 §2), minus '#'
// since a request never carries a fragment (RFC 9112 §3.2). Whitespace,
// controls and non-ASCII bytes are not target bytes.
func IsTargetByte(c byte) bool { return targetChar[c] }

// ValidTargetBytes reports whether every byte of s is a target byte (RFC
// 9112 §3.2, RFC 3986 §2). It checks characters only, not the form of the
// target.
func ValidTargetBytes(s string) bool {
	for i := 0; i < len(s); i++ {
		if !targetChar[s[i]] {
			return false
		}
	}
	return true
}

// PctTripletAt reports whether s[i:] starts with a pct-encoded triplet,
// '%' HEXDIG HEXDIG (RFC 3986 §2.1).
func PctTripletAt(s string, i int) bool {
	return i+2 < len(s) && s[i] == '%' && IsHexDigit(s[i+1]) && IsHexDigit(s[i+2])
}

// ValidPercents reports whether every '%' in s starts a pct-encoded
// triplet (RFC 3986 §2.1): "%" and "a%2" are not valid, "%2F" is.
func ValidPercents(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && !PctTripletAt(s, i) {
			return false
		}
	}
	return true
}
