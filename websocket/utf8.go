package websocket

// utf8Validator checks UTF-8 incrementally, across frame and write
// boundaries, and fails at the first byte that no valid text could
// continue with (RFC 6455 §8.1; Autobahn case family 6 expects failing
// fast). The accepted sequences are those of RFC 3629 §4: no overlong
// forms, no surrogates, nothing above U+10FFFF.
type utf8Validator struct {
	need   int  // continuation bytes still expected
	lo, hi byte // range allowed for the next continuation byte
}

// write checks p and reports whether the text so far can still be valid.
func (v *utf8Validator) write(p []byte) bool {
	i := 0
	for i < len(p) {
		b := p[i]
		if v.need == 0 {
			if b < 0x80 {
				i++
				// Skip runs of ASCII eight bytes at a time.
				for i+8 <= len(p) && (uint64(p[i])|uint64(p[i+1])|uint64(p[i+2])|uint64(p[i+3])|
					uint64(p[i+4])|uint64(p[i+5])|uint64(p[i+6])|uint64(p[i+7]))&0x80 == 0 {
					i += 8
				}
				continue
			}
			v.lo, v.hi = 0x80, 0xBF
			switch {
			case b >= 0xC2 && b <= 0xDF:
				v.need = 1
			case b == 0xE0:
				v.need, v.lo = 2, 0xA0 // no overlong 3-byte forms
			case b == 0xED:
				v.need, v.hi = 2, 0x9F // no surrogates U+D800..U+DFFF
			case b >= 0xE1 && b <= 0xEF:
				v.need = 2
			case b == 0xF0:
				v.need, v.lo = 3, 0x90 // no overlong 4-byte forms
			case b >= 0xF1 && b <= 0xF3:
				v.need = 3
			case b == 0xF4:
				v.need, v.hi = 3, 0x8F // nothing above U+10FFFF
			default:
				return false
			}
			i++
			continue
		}
		if b < v.lo || b > v.hi {
			return false
		}
		v.need--
		v.lo, v.hi = 0x80, 0xBF
		i++
	}
	return true
}

// complete reports whether the text ends on a character boundary.
func (v *utf8Validator) complete() bool { return v.need == 0 }

// validUTF8 reports whether b is complete, valid UTF-8.
func validUTF8(b []byte) bool {
	var v utf8Validator
	return v.write(b) && v.complete()
}
