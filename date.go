package httpserver

import (
	"sync/atomic"
	"time"
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
	return append(b, d.line...)
}
