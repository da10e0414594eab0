package static

import (
	"bytes"
	"errors"
	"io"
	"io/fs"

	"github.com/rawsock/httpserver"
)

// serveFile answers with the regular file name, open as f with info fi,
// found without the cache: it describes the file (caching the description
// under key when the cache is on) and serves it. looked is the cache
// clock's time before the file was opened: the entry is trusted from then,
// not from when a slow read finished.
func (h *fileHandler) serveFile(w httpserver.ResponseWriter, r *httpserver.Request, key, name string, f fs.File, fi fs.FileInfo, looked int64) {
	e, err := h.newEntry(key, name, f, fi)
	if err != nil {
		httpserver.Error(w, httpserver.StatusInternalServerError)
		return
	}
	if h.cache != nil {
		h.cache.store(e, looked)
	}
	h.serveEntry(w, r, e, f)
}

// serveEntry answers with the file e describes: negotiation of a
// precompressed sibling, validators, preconditions, then the whole body or
// the ranges asked for, from memory when e holds the content.
//
// f is the file itself when the caller has it open (a cache miss), nil on
// a cache hit: a representation whose content is not held is then opened
// and must still match e. When it does not, serveEntry writes nothing and
// reports false: the caller drops e and serves without it.
func (h *fileHandler) serveEntry(w httpserver.ResponseWriter, r *httpserver.Request, e *cacheEntry, f fs.File) bool {
	idx := 0
	if e.anySibling {
		if weights, ok := parseAcceptEncoding(r); ok {
			idx = weights.choose(e.available()) + 1
		}
	}
	var file fs.File // the open representation when its content is not held
	if idx > 0 && !e.reps[idx].held {
		sf, changed := h.openVariant(&e.reps[idx])
		switch {
		case sf != nil:
			defer sf.Close()
			file = sf
		case changed && f == nil:
			return false // gone or changed since it was checked: serve afresh
		default:
			// A sibling that exists but cannot be opened: the identity
			// file, as a miss serves, rather than rebuilding the entry
			// on every request that picks it.
			idx = 0
		}
	}
	rep := &e.reps[idx]
	if idx == 0 && !rep.held {
		file = f
		if file == nil {
			of, _ := h.openVariant(rep)
			if of == nil {
				return false
			}
			defer of.Close()
			file = of
		}
	}

	hdr := w.Header()
	if e.anySibling {
		// RFC 9110 §12.5.5: the response depends on Accept-Encoding
		// whichever variant is sent, 304 and errors included. Added,
		// not set: middleware may vary on other fields.
		if !hdr.ContainsToken("Vary", "Accept-Encoding") {
			hdr.Add("Vary", "Accept-Encoding")
		}
	}
	v, lastModified := h.validatorsOf(rep, file)
	if v.etag != "" {
		hdr.Set("ETag", v.etag)
	}
	if lastModified != "" {
		hdr.Set("Last-Modified", lastModified)
	}
	if h.opts.CacheControl != "" {
		hdr.Set("Cache-Control", h.opts.CacheControl)
	}
	switch checkPreconditions(r, v) {
	case httpserver.StatusNotModified:
		// RFC 9110 §15.4.5: a 304 repeats ETag, Vary and Cache-Control;
		// Last-Modified only helps when there is no ETag.
		if v.etag != "" {
			hdr.Del("Last-Modified")
		}
		w.WriteHeader(httpserver.StatusNotModified)
		return true
	case httpserver.StatusPreconditionFailed:
		httpserver.Error(w, httpserver.StatusPreconditionFailed)
		return true
	}

	size := rep.stamp.size
	_, canSeek := file.(io.Seeker)
	canSeek = canSeek || rep.held
	if canSeek {
		hdr.Set("Accept-Ranges", "bytes") // RFC 9110 §14.3
	} else {
		hdr.Set("Accept-Ranges", "none")
	}
	// RFC 9110 §14.2: Range is defined for GET only; a HEAD answers as a
	// GET without Range would, and a repeated Range field is ignored.
	if rng, ok := r.Header.Lookup("Range"); ok && r.Method == "GET" && canSeek &&
		r.Header.Count("Range") == 1 && checkIfRange(r, v) {
		if h.serveRanges(w, rep, file, e.ctype, rng) {
			return true
		}
	}

	hdr.Set("Content-Type", e.ctype)
	hdr.Set("X-Content-Type-Options", "nosniff")
	if rep.encoding != "" {
		hdr.Set("Content-Encoding", rep.encoding)
	}
	hdr.Set("Content-Length", rep.length)
	w.WriteHeader(httpserver.StatusOK)
	if r.Method == "HEAD" {
		return true
	}
	if rep.held {
		// Header and body leave together, from memory.
		w.Write(rep.content)
		return true
	}
	// With Content-Length set and an *os.File, the server sends with
	// sendfile(2). A failure here means the client went away.
	sendBody(w, file, size)
	return true
}

// serveRanges answers a Range field: 206 with one range or a multipart
// body, or 416. It reports false when the field is to be ignored (a range
// unit other than bytes) and the whole representation sent instead.
func (h *fileHandler) serveRanges(w httpserver.ResponseWriter, rep *variant, file fs.File, ctype, rng string) bool {
	size := rep.stamp.size
	ranges, err := parseRange(rng, size)
	switch err {
	case nil:
	case errRangeUnit:
		// §14.2: a range unit not understood is ignored.
		return false
	default:
		// §15.5.17: 416 with the current length.
		w.Header().Set("Content-Range", "bytes */"+itoa(size))
		httpserver.Error(w, httpserver.StatusRequestedRangeNotSatisfiable)
		return true
	}
	if rep.encoding != "" {
		w.Header().Set("Content-Encoding", rep.encoding)
	}
	var rs io.ReadSeeker
	if rep.held {
		rs = bytes.NewReader(rep.content)
	} else {
		rs = file.(io.ReadSeeker) // the caller checked io.Seeker
	}
	if len(ranges) == 1 {
		serveRange(w, rs, ctype, size, ranges[0])
	} else {
		serveMultipart(w, rs, ctype, size, ranges)
	}
	return true
}

// openVariant opens rep's file and checks that it is still the regular
// file rep describes. Without a file, changed tells a file that is gone or
// no longer matches from one that exists but cannot be opened (for
// example for lack of permission).
func (h *fileHandler) openVariant(rep *variant) (f fs.File, changed bool) {
	f, err := h.src.open(rep.name)
	if err != nil {
		return nil, errors.Is(err, fs.ErrNotExist)
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || stampOf(fi) != rep.stamp {
		f.Close()
		return nil, true
	}
	return f, false
}

// contentType returns the media type of name: from the user's table, the
// built-in table, or else by sniffing the first bytes of f (which is then
// rewound).
func (h *fileHandler) contentType(name string, f fs.File) string {
	if t := typeByExtension(name, h.opts.ContentTypes); t != "" {
		return t
	}
	var buf [sniffLen]byte
	var n int
	switch rf := f.(type) {
	case io.ReaderAt:
		n, _ = rf.ReadAt(buf[:], 0)
	case io.ReadSeeker:
		n, _ = io.ReadFull(rf, buf[:])
		if _, err := rf.Seek(0, io.SeekStart); err != nil {
			return "application/octet-stream"
		}
	default:
		return "application/octet-stream"
	}
	return sniff(buf[:n])
}

// contentTypeOf is contentType for a file whose content is in memory.
func (h *fileHandler) contentTypeOf(name string, content []byte) string {
	if t := typeByExtension(name, h.opts.ContentTypes); t != "" {
		return t
	}
	return sniff(content[:min(len(content), sniffLen)])
}
