package http2

import (
	"unsafe"

	"github.com/rawsock/httpserver/internal/http2/hpack"
)

// fieldStore copies header fields into one byte buffer it owns, so they
// outlive the HPACK decoder's buffer (or the caller's slices) without an
// allocation per field once the buffers have grown.
type fieldStore struct {
	buf    []byte
	fields []hpack.HeaderField
}

// set replaces the stored fields with copies of src. When lower is true
// names are lowercased and connection-specific fields (RFC 9113 §8.2.2)
// are dropped: that is for fields a handler gives for a response.
func (fs *fieldStore) set(src []hpack.HeaderField, lower bool) {
	n := 0
	for _, f := range src {
		n += len(f.Name) + len(f.Value)
	}
	if cap(fs.buf) < n {
		fs.buf = make([]byte, 0, n)
	}
	fs.buf = fs.buf[:0]
	fs.fields = fs.fields[:0]
	for _, f := range src {
		// RFC 9113 §8.2.1, §8.2.2: a response never carries a
		// connection-specific field or a field that is not valid HTTP/2
		// (a name that is not a token, a value with NUL, CR or LF).
		if lower && (isConnectionSpecific(f.Name) || !validResponseField(f.Name, f.Value)) {
			continue
		}
		off := len(fs.buf)
		if lower {
			for i := 0; i < len(f.Name); i++ {
				c := f.Name[i]
				if c >= 'A' && c <= 'Z' {
					c += 'a' - 'A'
				}
				fs.buf = append(fs.buf, c)
			}
		} else {
			fs.buf = append(fs.buf, f.Name...)
		}
		fs.buf = append(fs.buf, f.Value...)
		nl, vl := len(f.Name), len(f.Value)
		fs.fields = append(fs.fields, hpack.HeaderField{
			Name:      bytesString(fs.buf[off : off+nl]),
			Value:     bytesString(fs.buf[off+nl : off+nl+vl]),
			Sensitive: f.Sensitive,
		})
	}
}

func (fs *fieldStore) reset() {
	fs.buf = fs.buf[:0]
	fs.fields = fs.fields[:0]
}

// bytesString aliases b as a string; b's capacity never grows while the
// string is in use (fieldStore sizes its buffer first).
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// isConnectionSpecific reports the fields RFC 9113 §8.2.2 forbids in
// HTTP/2 (TE is handled separately for requests).
func isConnectionSpecific(name string) bool {
	switch len(name) {
	case 7, 10, 16, 17:
	default:
		return false
	}
	for _, s := range [...]string{"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"} {
		if len(s) == len(name) && equalFoldASCII(s, name) {
			return true
		}
	}
	return false
}

func equalFoldASCII(lower, s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// validResponseField reports whether a handler's field may be sent: a token
// name (any case; it is lowercased), a value without NUL, CR or LF.
func validResponseField(name, value string) bool {
	if name == "" || !isToken(name) {
		return false
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; c == 0 || c == '\r' || c == '\n' {
			return false
		}
	}
	return true
}
