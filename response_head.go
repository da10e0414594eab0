package httpserver

import (
	"strconv"

	"github.com/rawsock/httpserver/internal/syntax"
)

// commit decides the framing of the response and queues its status line
// and header section on the connection. With final set the handler has
// returned, so a buffered body is complete and gets a Content-Length.
func (w *response) commit(final bool) {
	w.committed = true
	c, r, h, status := w.c, w.req, &w.header, w.status
	c.wclock.status = status

	contentLength := int64(-1) // a length we add; the handler's own stays in h
	if bodyAllowed(status) {
		hasTrailers := w.trailer.Len() > 0 || h.Has("Trailer")
		switch {
		case w.declaredLength >= 0:
		case final && !hasTrailers && !(w.isHEAD && w.written == 0):
			contentLength = w.written
		case w.isHEAD:
			// RFC 9110 §9.3.2: the length of a HEAD response is
			// unknown when the handler streamed; say nothing.
		case r.ProtoMinor >= 1:
			// RFC 9112 §7.1: a streamed body of unknown length is
			// sent chunked to an HTTP/1.1 client.
			w.chunked = true
		default:
			// RFC 9112 §6.3 rule 8: to an HTTP/1.0 client the body
			// ends when the connection closes.
			c.mustClose(closeDelimited)
		}
	}
	// A 101 response hands the connection over: it says nothing about
	// persistence.
	upgrade := status == StatusSwitchingProtocols
	if !upgrade && h.ContainsToken("Connection", "close") {
		c.mustClose(closeAnnounced) // the handler asked
	}
	closing := !upgrade && !c.keepAlive()
	if closing {
		c.mustClose(closeAnnounced)
	}

	skip := skipTransferEncoding
	// RFC 9110 §8.6: no Content-Length in 1xx and 204 responses.
	if status < 200 || status == StatusNoContent {
		skip |= skipContentLength
	}
	if closing || (!upgrade && r.ProtoMinor == 0) {
		skip |= skipConnection
	}
	b := appendStatusLine(c.wbuf, status)
	b, seen := appendResponseFields(b, h, skip)
	if seen&seenDate == 0 {
		b = appendDate(b, c.responseNow())
	}
	if seen&seenServer == 0 && c.srv.cfg.name != "" {
		b = append(b, "Server: "...)
		b = append(b, c.srv.cfg.name...)
		b = append(b, "\r\n"...)
	}
	if contentLength >= 0 {
		b = append(b, "Content-Length: "...)
		b = appendInt(b, contentLength)
		b = append(b, "\r\n"...)
	}
	if w.chunked {
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	}
	switch {
	case closing:
		b = append(b, "Connection: close\r\n"...)
	case !upgrade && r.ProtoMinor == 0:
		// RFC 9112 Appendix C.2.2: an HTTP/1.0 persistent connection
		// is confirmed with keep-alive.
		b = append(b, "Connection: keep-alive\r\n"...)
	}
	c.wbuf = append(b, "\r\n"...)
	if len(w.buf) > 0 {
		body := w.buf
		w.buf = w.buf[:0]
		w.writeBody(body)
	}
}

// Fields the response serializer leaves out, because the server writes
// its own.
const (
	skipTransferEncoding = 1 << iota
	skipContentLength
	skipConnection
)

// Fields whose presence the serializer reports, so the defaults are not
// added twice.
const (
	seenDate = 1 << iota
	seenServer
)

// appendResponseFields appends the header fields of h, except the skipped
// ones, and reports which of Date and Server it saw.
func appendResponseFields(b []byte, h *Header, skip int) ([]byte, int) {
	seen := 0
	for i := range h.fields {
		name := h.fields[i].name
		switch len(name) {
		case 4:
			if equalFold(name, "Date") {
				seen |= seenDate
			}
		case 6:
			if equalFold(name, "Server") {
				seen |= seenServer
			}
		case 10:
			if skip&skipConnection != 0 && equalFold(name, "Connection") {
				continue
			}
		case 14:
			if skip&skipContentLength != 0 && equalFold(name, "Content-Length") {
				continue
			}
		case 17:
			if skip&skipTransferEncoding != 0 && equalFold(name, "Transfer-Encoding") {
				continue
			}
		}
		b = appendField(b, name, h.fields[i].value)
	}
	return b, seen
}

// appendFields appends every field of h.
func appendFields(b []byte, h *Header) []byte {
	for i := range h.fields {
		b = appendField(b, h.fields[i].name, h.fields[i].value)
	}
	return b
}

// appendField appends "name: value\r\n". A field whose name is not a token
// is dropped; CR, LF, NUL and other controls in a value become spaces, so a
// handler echoing client input cannot split the response (RFC 9110 §5.5).
func appendField(b []byte, name, value string) []byte {
	if !syntax.ValidFieldName(name) {
		return b
	}
	b = append(b, name...)
	b = append(b, ": "...)
	if syntax.ValidFieldValue(value) {
		b = append(b, value...)
	} else {
		for i := 0; i < len(value); i++ {
			if c := value[i]; syntax.IsFieldValueByte(c) {
				b = append(b, c)
			} else {
				b = append(b, ' ')
			}
		}
	}
	return append(b, "\r\n"...)
}

// appendTrailers appends the trailer section of a chunked response: the
// fields set through ResponseController.Trailer, minus those that may not
// appear in a trailer (RFC 9110 §6.5.1).
func appendTrailers(b []byte, header, trailer *Header) []byte {
	for i := range trailer.fields {
		f := trailer.fields[i]
		if !prohibitedTrailer(f.name) {
			b = appendField(b, f.name, f.value)
		}
	}
	return b
}

// appendStatusLine appends "HTTP/1.1 code reason\r\n".
func appendStatusLine(b []byte, code int) []byte {
	if code < len(statusLines) && statusLines[code] != nil {
		return append(b, statusLines[code]...)
	}
	b = append(b, "HTTP/1.1 "...)
	b = append(b, itoa3(code)...)
	return append(b, " \r\n"...)
}

func appendInt(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }

func appendHex(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 16) }
