package middleware

import (
	"fmt"
	"net/netip"
	"strconv"
)

// AccessLogFormat selects how [AccessLog] writes its records.
type AccessLogFormat string

// Access log formats.
const (
	// AccessLogJSON writes one slog record per request: JSON lines unless
	// AccessLogOptions.Logger says otherwise. The zero value means it.
	AccessLogJSON AccessLogFormat = "json"
	// AccessLogCombined writes the Apache/nginx "combined" line:
	//
	//	client - - [10/Oct/2026:13:55:36 +0000] "GET /a?b HTTP/1.1" 200 2326 "referer" "user agent"
	//
	// client is the real client address (see AccessLogOptions.TrustedProxies)
	// without port; the request line is the method, the target as received
	// and the protocol; bytes are the body bytes sent, "-" for none; an
	// absent Referer or User-Agent is "-". The identity and user fields are
	// always "-". Quotes, backslashes and bytes outside printable ASCII in
	// quoted fields are escaped as \", \\ and \xHH, as nginx does, so a
	// client cannot forge a line or a field.
	AccessLogCombined AccessLogFormat = "combined"
)

// ParseAccessLogFormat accepts "json" and "combined" ("" means json).
func ParseAccessLogFormat(s string) (AccessLogFormat, error) {
	switch f := AccessLogFormat(s); f {
	case "", AccessLogJSON:
		return AccessLogJSON, nil
	case AccessLogCombined:
		return f, nil
	}
	return "", fmt.Errorf("middleware: invalid access log format %q (want json or combined)", s)
}

// combinedTime is the time layout of the combined log format.
const combinedTime = "[02/Jan/2006:15:04:05 -0700]"

// appendCombined appends e as one combined-format line.
func appendCombined(b []byte, e *logEntry) []byte {
	switch {
	case e.client != "":
		b = append(b, e.client...)
	default:
		if ap, err := netip.ParseAddrPort(e.remote); err == nil {
			b = ap.Addr().Unmap().AppendTo(b)
		} else {
			b = appendEscaped(b, e.remote)
		}
	}
	b = append(b, " - - "...)
	b = e.start.AppendFormat(b, combinedTime)
	b = append(b, " \""...)
	if e.method == "" {
		b = append(b, '-') // nothing of the request line was parsed
	} else {
		b = appendEscaped(b, e.method)
		b = append(b, ' ')
		b = appendEscaped(b, e.target)
		b = append(b, ' ')
		b = appendEscaped(b, e.proto)
	}
	b = append(b, "\" "...)
	b = strconv.AppendInt(b, int64(e.status), 10)
	b = append(b, ' ')
	if e.bytes > 0 {
		b = strconv.AppendInt(b, e.bytes, 10)
	} else {
		b = append(b, '-')
	}
	b = appendQuotedOrDash(b, e.referer)
	b = appendQuotedOrDash(b, e.agent)
	return append(b, '\n')
}

// appendQuotedOrDash appends a space and s quoted, or "-" quoted when s is
// empty, as Apache and nginx do.
func appendQuotedOrDash(b []byte, s string) []byte {
	b = append(b, " \""...)
	if s == "" {
		b = append(b, '-')
	} else {
		b = appendEscaped(b, s)
	}
	return append(b, '"')
}

// appendEscaped appends s with '"' and '\' backslash-escaped and bytes
// outside printable ASCII written as \xHH.
func appendEscaped(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20 || c > 0x7e:
			b = append(b, '\\', 'x', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return b
}

// linesBuffered is how many bytes of combined lines the writer goroutine
// gathers before writing them; it writes what it has whenever the queue
// runs dry, so the batch only grows under load.
const linesBuffered = 64 << 10

// addLine formats e into the pending lines. Only the writer goroutine
// calls it.
func (a *AccessLog) addLine(e *logEntry) {
	a.lines = appendCombined(a.lines, e)
	if len(a.lines) >= linesBuffered {
		a.writeLines()
	}
}

// writeLines writes the pending combined lines in one call. A failed
// write loses them: the log must not block or grow without bound.
func (a *AccessLog) writeLines() {
	if len(a.lines) == 0 {
		return
	}
	_, _ = a.out.Write(a.lines)
	a.lines = a.lines[:0]
}
