package static

import (
	"io"
	"io/fs"
	"time"

	"github.com/rawsock/httpserver"
)

// representation is the file chosen to answer: the file itself or one of
// its precompressed siblings.
type representation struct {
	name     string
	f        fs.File
	fi       fs.FileInfo
	encoding string // Content-Encoding, "" for identity
}

// serveFile answers with the regular file f: negotiation of a
// precompressed sibling, validators, preconditions, then the whole body or
// the ranges asked for.
func (h *fileHandler) serveFile(w httpserver.ResponseWriter, r *httpserver.Request, name string, f fs.File, fi fs.FileInfo) {
	hdr := w.Header()
	ctype := h.contentType(name, f)
	rep := representation{name: name, f: f, fi: fi}
	if !h.opts.DisablePrecompressed {
		if sib, found := h.negotiate(r, name); found {
			// RFC 9110 §12.5.5: the response depends on Accept-Encoding
			// whichever variant is sent, 304 and errors included.
			// Added, not set: middleware may vary on other fields.
			if !hdr.ContainsToken("Vary", "Accept-Encoding") {
				hdr.Add("Vary", "Accept-Encoding")
			}
			if sib.f != nil {
				defer sib.f.Close()
				rep = sib
			}
		}
	}

	v := h.validators(rep)
	if v.etag != "" {
		hdr.Set("ETag", v.etag)
	}
	if !v.modtime.IsZero() {
		hdr.Set("Last-Modified", formatHTTPDate(v.modtime))
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
		return
	case httpserver.StatusPreconditionFailed:
		httpserver.Error(w, httpserver.StatusPreconditionFailed)
		return
	}

	size := rep.fi.Size()
	seeker, canSeek := rep.f.(io.Seeker)
	if canSeek {
		hdr.Set("Accept-Ranges", "bytes") // RFC 9110 §14.3
	} else {
		hdr.Set("Accept-Ranges", "none")
	}
	// RFC 9110 §14.2: Range is defined for GET only; a HEAD answers as a
	// GET without Range would, and a repeated Range field is ignored.
	if rng, ok := r.Header.Lookup("Range"); ok && r.Method == "GET" && canSeek &&
		r.Header.Count("Range") == 1 && checkIfRange(r, v) {
		ranges, err := parseRange(rng, size)
		switch err {
		case nil:
			if rep.encoding != "" {
				hdr.Set("Content-Encoding", rep.encoding)
			}
			if len(ranges) == 1 {
				serveRange(w, rep.f, seeker, ctype, size, ranges[0])
			} else {
				serveMultipart(w, rep.f, seeker, ctype, size, ranges)
			}
			return
		case errRangeUnit:
			// §14.2: a range unit not understood is ignored.
		default:
			// §15.5.17: 416 with the current length.
			hdr.Set("Content-Range", "bytes */"+itoa(size))
			httpserver.Error(w, httpserver.StatusRequestedRangeNotSatisfiable)
			return
		}
	}

	hdr.Set("Content-Type", ctype)
	hdr.Set("X-Content-Type-Options", "nosniff")
	if rep.encoding != "" {
		hdr.Set("Content-Encoding", rep.encoding)
	}
	hdr.Set("Content-Length", itoa(size))
	w.WriteHeader(httpserver.StatusOK)
	if r.Method == "HEAD" {
		return
	}
	// With Content-Length set and an *os.File, the server sends with
	// sendfile(2). A failure here means the client went away.
	sendBody(w, rep.f, size)
}

// validators returns the entity-tag and modification time of rep.
func (h *fileHandler) validators(rep representation) validators {
	v := validators{etag: statETag(rep.fi)}
	if mt := rep.fi.ModTime(); !mt.IsZero() && mt.Unix() > 0 {
		// RFC 9110 §8.8.2.1: never later than the response's Date.
		v.modtime = mt.Truncate(time.Second)
		if now := time.Now().Truncate(time.Second); v.modtime.After(now) {
			v.modtime = now
		}
	}
	if v.etag == "" {
		v.etag = h.etags.get(rep.name, rep.f, rep.fi.Size())
	}
	return v
}

// negotiate looks for precompressed siblings of name. found reports whether
// at least one exists; the returned representation has an open file when
// the client accepts one of them.
func (h *fileHandler) negotiate(r *httpserver.Request, name string) (rep representation, found bool) {
	var avail [len(siblings)]bool
	for i, s := range siblings {
		if fi, err := h.src.stat(name + s.ext); err == nil && fi.Mode().IsRegular() {
			avail[i], found = true, true
		}
	}
	if !found {
		return rep, false
	}
	weights, ok := parseAcceptEncoding(r)
	if !ok {
		return rep, true
	}
	i := weights.choose(avail)
	if i < 0 {
		return rep, true
	}
	sname := name + siblings[i].ext
	f, err := h.src.open(sname)
	if err != nil {
		return rep, true
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return rep, true
	}
	return representation{name: sname, f: f, fi: fi, encoding: siblings[i].coding}, true
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
