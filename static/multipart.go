package static

import (
	"crypto/rand"
	"encoding/hex"
	"io"

	"github.com/rawsock/httpserver"
)

// serveRange answers 206 with one range (RFC 9110 §14.4, §15.3.7.1).
func serveRange(w httpserver.ResponseWriter, f io.ReadSeeker, ctype string, size int64, rg byteRange) {
	hdr := w.Header()
	hdr.Set("Content-Type", ctype)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Range", contentRange(rg, size))
	hdr.Set("Content-Length", itoa(rg.length))
	if _, err := f.Seek(rg.start, io.SeekStart); err != nil {
		httpserver.Error(w, httpserver.StatusInternalServerError)
		return
	}
	w.WriteHeader(httpserver.StatusPartialContent)
	sendBody(w, rangeReader(f, rg, size), rg.length)
}

// rangeReader returns a reader of rg from f, which is positioned at
// rg.start: the file itself when the range runs to its end (the whole file,
// "N-" and suffix ranges), else an io.LimitedReader around it. Both reach
// sendfile(2) through the server's ReadFrom; the bare file also stays
// zero-copy with writers that only recognise an *os.File.
func rangeReader(f io.Reader, rg byteRange, size int64) io.Reader {
	if rg.end() == size {
		return f
	}
	return io.LimitReader(f, rg.length)
}

// serveMultipart answers 206 with a multipart/byteranges body (RFC 9110
// §14.6, §15.3.7.2), each part with its Content-Type and Content-Range,
// separated by a random boundary. Content-Length is computed beforehand so
// that each part's data can still go out with sendfile(2).
func serveMultipart(w httpserver.ResponseWriter, f io.ReadSeeker, ctype string, size int64, ranges []byteRange) {
	boundary := randomBoundary()
	heads := make([]string, len(ranges))
	total := int64(0)
	for i, rg := range ranges {
		sep := "\r\n--"
		if i == 0 {
			sep = "--"
		}
		heads[i] = sep + boundary + "\r\nContent-Type: " + ctype +
			"\r\nContent-Range: " + contentRange(rg, size) + "\r\n\r\n"
		total += int64(len(heads[i])) + rg.length
	}
	tail := "\r\n--" + boundary + "--\r\n"
	total += int64(len(tail))

	hdr := w.Header()
	hdr.Set("Content-Type", "multipart/byteranges; boundary="+boundary)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Length", itoa(total))
	w.WriteHeader(httpserver.StatusPartialContent)
	rc := httpserver.NewResponseController(w)
	for i, rg := range ranges {
		if _, err := w.WriteString(heads[i]); err != nil {
			return
		}
		if _, err := f.Seek(rg.start, io.SeekStart); err != nil {
			// The header is gone: abort the connection rather than
			// send a short body.
			panic(httpserver.ErrAbortHandler)
		}
		if _, err := rc.ReadFrom(io.LimitReader(f, rg.length)); err != nil {
			return
		}
	}
	w.WriteString(tail)
}

// contentRange formats "bytes first-last/size" (RFC 9110 §14.4).
func contentRange(rg byteRange, size int64) string {
	return "bytes " + itoa(rg.start) + "-" + itoa(rg.end()-1) + "/" + itoa(size)
}

// randomBoundary returns 32 random hex digits: a boundary that cannot
// appear in the parts by accident (RFC 2046 §5.1.1 allows up to 70).
func randomBoundary() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
