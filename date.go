package httpserver

import (
	"sync/atomic"
	"time"
	"unsafe"
)

// dateLine is a formatted "Date: ...\r\n" header line for one second.
type dateLine struct {
	unix int64
	line []byte
}

var cachedDate atomic.Pointer[dateLine]

// appendDate appends the Date header line for now (RFC 9110 §6.6.1,
// IMF-fixdate). The text is rebuilt at most once a second.
func appendDate(b []byte, now time.Time) []byte {
	return append(b, dateLineAt(now)...)
}

// dateLineAt returns the cached "Date: ...\r\n" line for now, rebuilding
// it when the second changed. The returned bytes are never modified.
func dateLineAt(now time.Time) []byte {
	sec := now.Unix()
	d := cachedDate.Load()
	if d == nil || d.unix != sec {
		line := make([]byte, 0, len("Date: Mon, 02 Jan 2006 15:04:05 GMT\r\n"))
		line = append(line, "Date: "...)
		line = now.UTC().AppendFormat(line, "Mon, 02 Jan 2006 15:04:05 GMT")
		line = append(line, "\r\n"...)
		d = &dateLine{unix: sec, line: line}
		cachedDate.Store(d)
	}
	return d.line
}

// dateValue returns the Date field value for now, without allocating
// (for protocols that send fields rather than lines, such as HTTP/2).
func dateValue(now time.Time) string {
	line := dateLineAt(now)
	v := line[len("Date: ") : len(line)-len("\r\n")]
	return unsafe.String(&v[0], len(v))
}
