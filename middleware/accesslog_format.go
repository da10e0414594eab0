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

// addLine encodes e into the pending lines, on the request's goroutine;
// when the writer has fallen behind by maxPending bytes (a slow sink), the
// line is dropped and counted instead: the log must not block or grow
// without bound.
func (a *AccessLog) addLine(e *logEntry) {
	a.mu.Lock()
	if a.lines.n >= a.maxPending {
		a.mu.Unlock()
		a.dropped.Add(1)
		return
	}
	b := a.lines.block()
	if a.format == AccessLogCombined {
		b = appendCombined(b, e)
	} else {
		b = appendJSONLine(b, e)
	}
	a.lines.done(b)
	a.mu.Unlock()
}

// writePending writes the pending lines, one call per block (see
// lineBlocks), on the writer goroutine. A failed write loses its lines.
func (a *AccessLog) writePending() {
	a.mu.Lock()
	a.batch = a.lines.take(a.batch)
	a.mu.Unlock()
	if len(a.batch) == 0 {
		return
	}
	writeBlocks(a.out, a.batch)
	a.mu.Lock()
	a.lines.recycle(a.batch)
	a.mu.Unlock()
	clear(a.batch)
	a.batch = a.batch[:0]
}
