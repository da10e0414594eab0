package syntax

// Core rules of RFC 5234 Appendix B.1, used by every grammar here.

// IsDigit reports whether c is DIGIT, %x30-39 (RFC 5234 §B.1).
func IsDigit(c byte) bool { return '0' <= c && c <= '9' }

// IsHexDigit reports whether c is HEXDIG (RFC 5234 §B.1), accepting lower
// case as well, since ABNF strings are case-insensitive (RFC 5234 §2.3).
func IsHexDigit(c byte) bool { return hexdig[c] }

// Unhex returns the value of the hexadecimal digit c and whether c is one
// (RFC 5234 §B.1 HEXDIG, either case).
func Unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
