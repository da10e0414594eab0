package httpserver

import (
	"bytes"
	"unsafe"

	"github.com/rawsock/httpserver/internal/syntax"
)

// bytesToString returns a string that shares b's memory. The caller must not
// change b while the string is in use: the server only reuses such buffers
// after the handler that saw the strings has returned.
func bytesToString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// parseHead parses a complete request head, as delimited by headScanner
// (request-line, field lines, final empty line), into r. The strings stored
// in r alias head.
func parseHead(head []byte, r *Request) error {
	eol := bytes.Index(head, crlf)
	if err := parseRequestLine(head[:eol], r); err != nil {
		return err
	}
	rest := head[eol+2:]
	for {
		eol = bytes.Index(rest, crlf)
		if eol <= 0 { // the final empty line
			return nil
		}
		if err := parseFieldLine(rest[:eol], &r.Header); err != nil {
			return err
		}
		rest = rest[eol+2:]
	}
}

var crlf = []byte("\r\n")

// parseRequestLine parses "method SP request-target SP HTTP-version"
// (RFC 9112 §3).
func parseRequestLine(line []byte, r *Request) error {
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 < 0 {
		return badRequest("malformed request-line", string(line))
	}
	method := bytesToString(line[:sp1])
	// RFC 9112 §3.1: method = token.
	if !syntax.ValidMethod(method) {
		return badRequest("invalid method", method)
	}
	rest := line[sp1+1:]
	sp2 := bytes.IndexByte(rest, ' ')
	// RFC 9112 §3: exactly one SP between the three parts; a second SP, a
	// missing version or whitespace inside the target is an invalid
	// request-line (§3.2: no whitespace in the target), answered 400.
	if sp2 < 0 {
		return badRequest("malformed request-line", string(line))
	}
	target, version := rest[:sp2], rest[sp2+1:]
	if err := parseVersion(version, r); err != nil {
		return err
	}
	r.Method = internMethod(method)
	r.Target = bytesToString(target)
	return parseTarget(r)
}

// parseVersion parses HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112
// §2.3), case-sensitively.
func parseVersion(v []byte, r *Request) error {
	if len(v) != 8 || string(v[:5]) != "HTTP/" || v[6] != '.' ||
		!syntax.IsDigit(v[5]) || !syntax.IsDigit(v[7]) {
		return badRequest("malformed HTTP-version", string(v))
	}
	major, minor := int(v[5]-'0'), int(v[7]-'0')
	// RFC 9110 §6.2 / §15.6.6: only major version 1 is served on this
	// connection; anything else is 505.
	if major != 1 {
		return protocolErr(StatusHTTPVersionNotSupported, "unsupported HTTP-version", string(v))
	}
	// RFC 9110 §6.2: a higher minor version is served as the highest one
	// we implement, 1.1.
	if minor == 0 {
		r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/1.0", 1, 0
	} else {
		r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/1.1", 1, 1
	}
	return nil
}

// parseFieldLine parses "field-name ':' OWS field-value OWS" (RFC 9112 §5)
// and appends the field to h.
func parseFieldLine(line []byte, h *Header) error {
	// RFC 9112 §5.2: obs-fold (a line starting with whitespace) is
	// rejected with 400 rather than unfolded.
	if line[0] == ' ' || line[0] == '\t' {
		return badRequest("obsolete line folding", string(line))
	}
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return badRequest("field line without a colon", string(line))
	}
	name := bytesToString(line[:colon])
	// RFC 9112 §5.1: no whitespace is allowed between the field name and
	// the colon; a server MUST reject such a message with 400. The name is
	// a token (RFC 9110 §5.1), which also excludes that whitespace.
	if !syntax.ValidFieldName(name) {
		return badRequest("invalid field name", name)
	}
	value := syntax.TrimOWS(bytesToString(line[colon+1:]))
	// RFC 9110 §5.5: CR, LF and NUL are invalid in a field value and a
	// recipient MUST reject them or replace them; other controls are
	// not field-vchar either. We reject.
	if !syntax.ValidFieldValue(value) {
		return badRequest("invalid character in field value of", name)
	}
	h.fields = append(h.fields, headerField{name, value})
	return nil
}

// commonMethods are returned instead of strings into the read buffer, so
// that a handler keeping r.Method does not keep the buffer.
var commonMethods = [...]string{"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE"}

func internMethod(m string) string {
	for _, c := range commonMethods {
		if m == c {
			return c
		}
	}
	return m
}
