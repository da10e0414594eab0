package demo

import "github.com/rawsock/httpserver"

// stripPrefix returns a copy of r whose Path and RawPath lack the first n
// decoded bytes of the path, which are the mount prefix.
func stripPrefix(r *httpserver.Request, n int) *httpserver.Request {
	r2 := r.WithContext(r.Context())
	r2.Path = r.Path[n:]
	r2.RawPath = skipDecoded(r.RawPath, n)
	if len(r2.RawPath) >= 3 && r2.RawPath[0] == '%' && r2.RawPath[1] == '2' && (r2.RawPath[2] == 'F' || r2.RawPath[2] == 'f') {
		// The rest began with an encoded slash: keep RawPath absolute.
		r2.RawPath = "/" + r2.RawPath[3:]
	}
	return r2
}

// skipDecoded drops from the percent-encoded path raw the bytes that decode
// to its first n bytes: a "%XX" escape decodes to one byte.
func skipDecoded(raw string, n int) string {
	i := 0
	for ; n > 0 && i < len(raw); n-- {
		if raw[i] == '%' && i+2 < len(raw) {
			i += 3
		} else {
			i++
		}
	}
	return raw[i:]
}

// redirectToDir answers a request for a mount's prefix itself with a
// redirect to the prefix with a trailing slash, so that relative links in
// the directory resolve (as RFC 3986 §5.2 merges paths).
func redirectToDir(w httpserver.ResponseWriter, r *httpserver.Request) {
	loc := r.RawPath + "/"
	if r.RawQuery != "" {
		loc += "?" + r.RawQuery
	}
	w.Header().Set("Location", loc)
	httpserver.Error(w, httpserver.StatusMovedPermanently)
}
