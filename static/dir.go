package static

import (
	"io/fs"
	"path"

	"github.com/rawsock/httpserver"
)

// serveDir answers a request for a directory: a redirect when the path
// lacks its final slash, else the index file, else the listing when
// enabled, else 404.
// key is the cache key of the directory's index file; looked is when the
// file system was first looked at for this request (see serveFile).
func (h *fileHandler) serveDir(w httpserver.ResponseWriter, r *httpserver.Request, key, name string, slash bool, dir fs.File, looked int64) {
	if !slash {
		h.redirectToSlash(w, r)
		return
	}
	if h.opts.Index != "" {
		index := path.Join(name, h.opts.Index)
		if f, err := h.src.open(index); err == nil {
			defer f.Close()
			if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
				h.serveFile(w, r, key, index, f, fi, looked)
				return
			}
		}
	}
	if h.opts.Listing {
		h.serveListing(w, r, dir)
		return
	}
	httpserver.Error(w, httpserver.StatusNotFound)
}

// redirectToSlash sends 301 to the directory's URL with its final slash,
// keeping the query. The Location is a relative reference (RFC 9110
// §10.2.2, RFC 3986 §4.2) built from the last raw, still percent-encoded,
// segment: "./name/?query". Being relative, it stays on the same host (no
// open redirect through "//host" paths) and stays right when the handler is
// mounted below a prefix; the "./" keeps a segment such as "a:b" from being
// read as a scheme.
func (h *fileHandler) redirectToSlash(w httpserver.ResponseWriter, r *httpserver.Request) {
	last := lastSegment(r.Path)
	if last == "." || last == ".." || last == "" {
		// "/a/.." names a directory but has no segment to append a
		// slash to.
		httpserver.Error(w, httpserver.StatusNotFound)
		return
	}
	raw := lastSegment(r.RawPath)
	if r.RawPath == "" {
		raw = escapePathSegment(last)
	}
	loc := "./" + raw + "/"
	if r.RawQuery != "" {
		loc += "?" + r.RawQuery
	}
	w.Header().Set("Location", loc)
	httpserver.Error(w, httpserver.StatusMovedPermanently)
}
