package static

import (
	"io"
	"io/fs"
	"strings"
	"time"
)

// cacheEntry is what the handler knows of one regular file: its
// representations (the file and its precompressed siblings) and its
// Content-Type. Apart from refs it is immutable once built, so requests
// read it without locking.
type cacheEntry struct {
	// key is the cache key: the resolved name, or for a directory's
	// index the directory's name with its final slash ("" for the
	// root).
	key   string
	ctype string
	// reps[0] is the file itself, reps[i+1] the sibling siblings[i].
	reps       [1 + len(siblings)]variant
	anySibling bool
	bytes      int64 // content held, over all reps
	slot       int   // index in fileCache.ring, -1 when out; guarded by fileCache.mu
	refs
}

// variant is one representation with everything its response needs
// prepared once.
type variant struct {
	name     string // source name, to open it
	encoding string // Content-Encoding, "" for identity
	exists   bool
	stamp    fileStamp
	length   string // stamp.size in decimal, for Content-Length
	v        validators
	// lastModified is v.modtime formatted, "" when there is none.
	lastModified string
	// futureMod: the modification time was later than the clock when
	// loaded; it is then clamped per request (RFC 9110 §8.8.2.1).
	futureMod bool
	// held: content is the whole file, served from memory.
	held    bool
	content []byte
}

// fileStamp is what revalidation compares. On Linux a rewrite of a file
// changes at least its ctime, even when size and mtime are kept (cp -p,
// tar, rsync --inplace -t restore the mtime); elsewhere such a rewrite
// goes unseen until the entry is evicted.
type fileStamp struct {
	size   int64
	mtime  int64 // UnixNano, 0 when the file has no modification time
	ctime  int64 // status change time, UnixNano; 0 when unknown
	mode   fs.FileMode
	ino    uint64
	hasIno bool
}

func stampOf(fi fs.FileInfo) fileStamp {
	s := fileStamp{size: fi.Size(), mode: fi.Mode(), ctime: changeTime(fi)}
	if mt := fi.ModTime(); !mt.IsZero() {
		s.mtime = mt.UnixNano()
	}
	s.ino, s.hasIno = inode(fi)
	return s
}

// available reports which siblings exist.
func (e *cacheEntry) available() (avail [len(siblings)]bool) {
	for i := range siblings {
		avail[i] = e.reps[i+1].exists
	}
	return avail
}

// newEntry describes the regular file name, open as f with info fi,
// holding the content of representations up to hold bytes (none when hold
// is negative). key and name may alias the request's buffer: they are
// copied when the entry is to be cached.
func (h *fileHandler) newEntry(key, name string, f fs.File, fi fs.FileInfo) (*cacheEntry, error) {
	hold := h.cache.holdLimit()
	if h.cache != nil {
		key, name = strings.Clone(key), strings.Clone(name)
	}
	e := &cacheEntry{key: key, slot: -1}
	id := &e.reps[0]
	if err := h.loadVariant(id, name, f, fi, hold); err != nil {
		return nil, err
	}
	if id.held {
		e.ctype = h.contentTypeOf(name, id.content)
	} else {
		e.ctype = h.contentType(name, f)
	}
	if id.v.etag == "" && !id.held {
		// A file without a modification time: hash it, once per
		// name and size.
		id.v.etag = h.etags.get(name, f, id.stamp.size)
	}
	if !h.opts.DisablePrecompressed {
		// The entry as a whole holds at most MaxBytes: an entry over
		// the cache's bound would evict every other entry, then itself.
		budget := hold
		if h.cache != nil {
			budget = h.cache.maxBytes - int64(len(id.content))
		}
		for i, s := range siblings {
			rep := &e.reps[i+1]
			rep.encoding = s.coding
			h.loadSibling(rep, name+s.ext, min(hold, budget))
			budget -= int64(len(rep.content))
			e.anySibling = e.anySibling || rep.exists
		}
	}
	for i := range e.reps {
		e.bytes += int64(len(e.reps[i].content))
	}
	return e, nil
}

// loadSibling fills rep with the sibling sname when it exists as a
// regular file. Its content is read when small enough; a sibling that
// exists but cannot be read is still recorded (it makes the response vary
// on Accept-Encoding), and serving it falls back to the identity file.
func (h *fileHandler) loadSibling(rep *variant, sname string, hold int64) {
	sfi, err := h.src.stat(sname)
	if err != nil || !sfi.Mode().IsRegular() {
		return
	}
	rep.name = sname
	rep.exists = true
	h.setMeta(rep, sfi)
	if sfi.Size() > hold {
		return
	}
	sf, err := h.src.open(sname)
	if err != nil {
		return
	}
	defer sf.Close()
	if sfi, err = sf.Stat(); err != nil || !sfi.Mode().IsRegular() {
		return
	}
	h.loadVariant(rep, sname, sf, sfi, hold)
}

// loadVariant fills rep from the open file f, reading its content when it
// is at most hold bytes. f is left positioned at its start. An error means
// f could not be rewound after reading it.
func (h *fileHandler) loadVariant(rep *variant, name string, f fs.File, fi fs.FileInfo, hold int64) error {
	rep.name = name
	rep.exists = true
	h.setMeta(rep, fi)
	size := fi.Size()
	if size > hold {
		return nil
	}
	buf := make([]byte, size)
	var err error
	switch rf := f.(type) {
	case io.ReaderAt:
		var n int
		n, err = rf.ReadAt(buf, 0)
		if n == len(buf) {
			err = nil // ReadAt may report EOF with the last bytes
		}
	case io.ReadSeeker:
		_, err = io.ReadFull(rf, buf)
		if _, serr := rf.Seek(0, io.SeekStart); serr != nil {
			return serr
		}
	default:
		return nil // read once only, when served
	}
	if err != nil {
		return nil // changed while read: served from the file
	}
	rep.held, rep.content = true, buf
	if rep.v.etag == "" {
		rep.v.etag = contentETag(buf)
	}
	return nil
}

// setMeta fills the stamp, Content-Length and validators of rep from fi.
func (h *fileHandler) setMeta(rep *variant, fi fs.FileInfo) {
	rep.stamp = stampOf(fi)
	rep.length = itoa(fi.Size())
	rep.v.etag = statETag(fi)
	if mt := fi.ModTime(); !mt.IsZero() && mt.Unix() > 0 {
		rep.v.modtime = mt.Truncate(time.Second)
		rep.lastModified = formatHTTPDate(rep.v.modtime)
		rep.futureMod = rep.v.modtime.After(time.Now())
	}
}

// validators returns the entity-tag and modification time of rep, with
// the Last-Modified value. f is the open file when rep is not held, to
// hash a file without modification time.
func (h *fileHandler) validatorsOf(rep *variant, f fs.File) (validators, string) {
	v, lm := rep.v, rep.lastModified
	if rep.futureMod {
		// RFC 9110 §8.8.2.1: never later than the response's Date.
		if now := time.Now().Truncate(time.Second); v.modtime.After(now) {
			v.modtime = now
			lm = formatHTTPDate(now)
		}
	}
	if v.etag == "" && f != nil {
		v.etag = h.etags.get(rep.name, f, rep.stamp.size)
	}
	return v, lm
}

// revalidate checks e against the file system, through the same source
// (root and link policy) as a request: it reports whether the file and
// each sibling still exist or not as before, with the same stamps.
func (h *fileHandler) revalidate(e *cacheEntry) bool {
	fi, err := h.src.stat(e.reps[0].name)
	if err != nil || stampOf(fi) != e.reps[0].stamp {
		return false
	}
	if h.opts.DisablePrecompressed {
		return true
	}
	for i, s := range siblings {
		rep := &e.reps[i+1]
		fi, err := h.src.stat(e.reps[0].name + s.ext)
		exists := err == nil && fi.Mode().IsRegular()
		if exists != rep.exists || exists && stampOf(fi) != rep.stamp {
			return false
		}
	}
	return true
}

// lookup returns the cached entry of key, checked against the file system
// when its validity has run out, or nil.
func (h *fileHandler) lookup(key string) *cacheEntry {
	c := h.cache
	e := c.get(key)
	if e == nil {
		return nil
	}
	if now := c.now(); c.stale(e, now) {
		if !h.revalidate(e) {
			c.remove(e)
			return nil
		}
		e.checked.Store(now)
	}
	return e
}
