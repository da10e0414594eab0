package middleware

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// The default JSON access log (no Logger in AccessLogOptions) is encoded
// here rather than through slog: the same bytes a slog.JSONHandler writes
// for the record (checked against it in accesslog_json_test.go), appended
// to the pending lines and written a block of lines per call, like the
// combined format. Through slog every record cost a Record with more
// attributes than it stores inline (an allocation), the handler's generic
// encoding, and a write(2) of its own.

// appendJSONLine appends e as slog.JSONHandler would write the record
// AccessLog.write builds for it.
func appendJSONLine(b []byte, e *logEntry) []byte {
	b = append(b, `{"time":"`...)
	b = e.start.Round(0).AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","level":"`...)
	b = append(b, entryLevel(e).String()...)
	b = append(b, `","msg":"request",`...)
	b = appendJSONString(b, RequestIDKey, e.id)
	b = appendJSONString(b, "remote", e.remote)
	b = appendJSONString(b, "method", e.method)
	b = appendJSONString(b, "path", e.path)
	b = appendJSONString(b, "query", e.query)
	b = appendJSONString(b, "proto", e.proto)
	b = append(b, `"status":`...)
	b = strconv.AppendInt(b, int64(e.status), 10)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, e.bytes, 10)
	b = append(b, `,"duration":`...)
	b = appendJSONFloat(b, e.duration.Seconds())
	b = append(b, ',')
	b = appendJSONString(b, "user_agent", e.agent)
	b = append(b, `"route":"`...)
	b = appendEscapedJSON(b, e.route)
	b = append(b, '"')
	if e.client != "" {
		b = append(b, ',')
		b = append(b, `"client":"`...)
		b = appendEscapedJSON(b, e.client)
		b = append(b, '"')
	}
	if e.aborted != "" {
		b = append(b, `,"aborted":"`...)
		b = appendEscapedJSON(b, e.aborted)
		b = append(b, `","sent":`...)
		b = strconv.AppendInt(b, e.sent, 10)
	}
	if e.rejected != "" {
		b = append(b, `,"rejected":"`...)
		b = appendEscapedJSON(b, e.rejected)
		b = append(b, '"')
	}
	return append(b, "}\n"...)
}

// appendJSONString appends "key":"value", with the value escaped.
func appendJSONString(b []byte, key, v string) []byte {
	b = append(b, '"')
	b = append(b, key...)
	b = append(b, `":"`...)
	b = appendEscapedJSON(b, v)
	return append(b, `",`...)
}

// appendJSONFloat formats f as encoding/json does (slog's JSON handler
// calls it for floats): %f between 1e-6 and 1e21, else %e with a
// two-digit negative exponent shortened.
func appendJSONFloat(b []byte, f float64) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return append(b, '0') // not reached: a duration is finite
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendEscapedJSON appends s escaped as slog's JSON handler escapes
// strings: quotes, backslashes and control characters, invalid UTF-8 as
// U+FFFD, and U+2028/U+2029.
func appendEscapedJSON(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}
