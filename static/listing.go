package static

import (
	"errors"
	"html"
	"io"
	"io/fs"
	"net/url"
	"slices"
	"strings"

	"github.com/rawsock/httpserver"
)

// maxListing caps the entries of a listing, to bound the work one request
// can cause.
const maxListing = 10000

// serveListing answers with an HTML list of the directory's entries, sorted
// by name, dotfiles hidden unless ShowDotfiles. Every name is URL-escaped in
// the link and HTML-escaped in the text.
func (h *fileHandler) serveListing(w httpserver.ResponseWriter, r *httpserver.Request, dir fs.File) {
	rd, ok := dir.(fs.ReadDirFile)
	if !ok {
		httpserver.Error(w, httpserver.StatusNotFound)
		return
	}
	entries, err := rd.ReadDir(maxListing)
	if err != nil && !errors.Is(err, io.EOF) {
		httpserver.Error(w, openStatus(err))
		return
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })

	var b strings.Builder
	title := html.EscapeString(r.Path)
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of ")
	b.WriteString(title)
	b.WriteString("</title></head>\n<body><h1>Index of ")
	b.WriteString(title)
	b.WriteString("</h1>\n<ul>\n")
	if r.Path != "/" {
		b.WriteString("<li><a href=\"../\">../</a></li>\n")
	}
	for _, e := range entries {
		name := e.Name()
		if !h.opts.ShowDotfiles && isHidden(name) {
			continue
		}
		if e.IsDir() {
			name += "/"
		}
		b.WriteString("<li><a href=\"")
		b.WriteString(html.EscapeString(listingHref(name)))
		b.WriteString("\">")
		b.WriteString(html.EscapeString(name))
		b.WriteString("</a></li>\n")
	}
	b.WriteString("</ul></body></html>\n")

	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Security-Policy", "default-src 'none'")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("Content-Length", itoa(int64(b.Len())))
	w.WriteHeader(httpserver.StatusOK)
	if r.Method == "HEAD" {
		return
	}
	w.WriteString(b.String())
}

// listingHref returns the link to an entry: "./" and the escaped name, so
// that a name like "javascript:x" is a relative path, not a scheme.
func listingHref(name string) string {
	dir := strings.HasSuffix(name, "/")
	href := "./" + escapePathSegment(strings.TrimSuffix(name, "/"))
	if dir {
		href += "/"
	}
	return href
}

// escapePathSegment percent-encodes s for use as one path segment.
func escapePathSegment(s string) string { return url.PathEscape(s) }
