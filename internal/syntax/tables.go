package syntax

// The character classes, as 256-entry tables so that each check is one
// load. They are filled once at start-up and never written again.
var (
	tchar       [256]bool // RFC 9110 §5.6.2
	fieldVchar  [256]bool // RFC 9110 §5.5, with SP and HTAB
	targetChar  [256]bool // RFC 3986 §2, minus '#' (RFC 9112 §3.2)
	regNameChar [256]bool // RFC 3986 §3.2.2
	hexdig      [256]bool // RFC 5234 §B.1, either case
)

func init() {
	for c := 0; c < 256; c++ {
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		unreserved := alnum || c < 128 && containsByte("-._~", byte(c))
		subDelims := c < 128 && containsByte("!$&'()*+,;=", byte(c))
		tchar[c] = alnum || c < 128 && containsByte("!#$%&'*+-.^_`|~", byte(c))
		fieldVchar[c] = c == ' ' || c == '\t' || (c > 0x20 && c != 0x7f)
		targetChar[c] = unreserved || subDelims || c < 128 && containsByte(":/?@[]%", byte(c))
		regNameChar[c] = unreserved || subDelims || c == '%'
		_, hexdig[c] = Unhex(byte(c))
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
