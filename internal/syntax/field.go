package syntax

// ValidFieldName reports whether s is a field name: field-name = token
// (RFC 9110 §5.1). A token holds no whitespace, so a name followed by
// whitespace before the colon (RFC 9112 §5.1) is not a field name.
func ValidFieldName(s string) bool { return ValidToken(s) }

// IsFieldValueByte reports whether c may appear in a field value: VCHAR,
// obs-text (0x80-0xFF), SP and HTAB (RFC 9110 §5.5). CR, LF, NUL, the other
// controls and DEL may not.
func IsFieldValueByte(c byte) bool { return fieldVchar[c] }

// ValidFieldValue reports whether every byte of s may appear in a field
// value (RFC 9110 §5.5): no CR, LF, NUL, other controls or DEL. It does not
// check for leading or trailing whitespace, which HTTP/1.1 trims (RFC 9112
// §5) and HTTP/2 forbids (RFC 9113 §8.2.1); the empty value is valid.
func ValidFieldValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if !fieldVchar[s[i]] {
			return false
		}
	}
	return true
}

// TrimOWS removes optional whitespace, OWS = *( SP / HTAB ) (RFC 9110
// §5.6.3), from both ends of s.
func TrimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// QuotedStringLen returns the length of the quoted-string at the start of
// b, or 0 if b does not start with a well-formed one (RFC 9110 §5.6.4):
//
//	quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
//	quoted-pair   = "\" ( HTAB / SP / VCHAR / obs-text )
//
// qdtext is every field-value byte but DQUOTE and backslash.
func QuotedStringLen(b []byte) int {
	if len(b) == 0 || b[0] != '"' {
		return 0
	}
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1
		case c == '\\':
			i++
			if i >= len(b) || !fieldVchar[b[i]] {
				return 0
			}
		case !fieldVchar[c]:
			return 0
		}
	}
	return 0
}
