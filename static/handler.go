package static

import (
	"errors"
	"io/fs"
	"syscall"

	"github.com/rawsock/httpserver"
)

// allowed is the Allow field of 405 and OPTIONS responses (RFC 9110
// §10.2.1, §15.5.6).
const allowed = "GET, HEAD"

// fileHandler serves files from a source.
type fileHandler struct {
	src   source
	opts  Options
	etags hashETags
	cache *fileCache // nil when disabled
}

// Dir returns a handler serving the OS directory root. Plain file bodies
// are sent with sendfile(2) when the server supports it. Symbolic links are
// followed according to opts.FollowSymlinks: by default only when they
// resolve inside root. Files served are cached as opts.Cache says (see
// [CacheOptions]; on by default). A nil opts means the defaults.
//
// It fails when root does not exist or is not a directory. The handler
// holds the directory open until [DirHandler.Close].
func Dir(root string, opts *Options) (*DirHandler, error) {
	o := opts.withDefaults()
	src, err := newOSSource(root, o.FollowSymlinks, dotfilesOf(&o))
	if err != nil {
		return nil, err
	}
	return &DirHandler{fileHandler{src: src, opts: o, cache: newFileCache(o.Cache)}}, nil
}

// Handler returns a handler serving fsys, for example an embed.FS. Files
// without a modification time (embedded ones) get an entity-tag computed
// from their content, once, cached by name and size for the life of the
// handler (right for embed.FS, whose content never changes). Ranges are served for files that implement
// io.Seeker. opts.FollowSymlinks is ignored: fsys decides about links.
// Files served are cached as opts.Cache says (on by default). A nil opts
// means the defaults.
func Handler(fsys fs.FS, opts *Options) httpserver.Handler {
	o := opts.withDefaults()
	return &fileHandler{src: fsSource{fsys}, opts: o, cache: newFileCache(o.Cache)}
}

// DirHandler is the [httpserver.Handler] that [Dir] returns. It holds the
// root directory open (an [os.Root]) until Close.
type DirHandler struct{ h fileHandler }

// ServeHTTP answers GET and HEAD with the file named by r.Path, OPTIONS
// with 204, and other methods with 405.
func (d *DirHandler) ServeHTTP(w httpserver.ResponseWriter, r *httpserver.Request) {
	d.h.ServeHTTP(w, r)
}

// Close releases the root directory handle. The handler must not serve
// afterwards: requests that reach the file system answer 404.
func (d *DirHandler) Close() error { return d.h.src.(*osSource).close() }

// ServeHTTP answers GET and HEAD with the file named by r.Path.
func (h *fileHandler) ServeHTTP(w httpserver.ResponseWriter, r *httpserver.Request) {
	switch r.Method {
	case "GET", "HEAD":
	case "OPTIONS":
		// RFC 9110 §9.3.7: OPTIONS describes the methods allowed.
		// No Content-Length: RFC 9110 §8.6 forbids it on a 204.
		w.Header().Set("Allow", allowed)
		w.WriteHeader(httpserver.StatusNoContent)
		return
	default:
		// RFC 9110 §15.5.6: 405 carries the Allow field.
		w.Header().Set("Allow", allowed)
		httpserver.Error(w, httpserver.StatusMethodNotAllowed)
		return
	}
	name, slash, status := resolvePath(r.Path, dotfilesOf(&h.opts))
	if status != 0 {
		httpserver.Error(w, status)
		return
	}
	key, cacheable := h.cacheKey(r.Path, name, slash)
	if cacheable {
		if e := h.lookup(key); e != nil {
			if h.serveEntry(w, r, e, nil) {
				return
			}
			// Changed since it was checked: serve it afresh.
			h.cache.remove(e)
		}
	}
	var looked int64 // when the file system was looked at, for the entry
	if h.cache != nil {
		looked = h.cache.now()
	}
	f, err := h.src.open(name)
	if err != nil {
		httpserver.Error(w, openStatus(err))
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		httpserver.Error(w, openStatus(err))
		return
	}
	if fi.IsDir() {
		h.serveDir(w, r, key, name, slash, f, looked)
		return
	}
	if slash {
		// "/file.txt/" names a directory that does not exist.
		httpserver.Error(w, httpserver.StatusNotFound)
		return
	}
	h.serveFile(w, r, key, name, f, fi, looked)
}

// cacheKey returns the cache key of a request for name: name itself, or
// for a path with a final slash (a directory, whose index file is cached)
// the name with its slash, "" for the root. cacheable is false when the
// cache is off, or for a directory without index file. The key is cut from
// p when p is already clean, so that a hit allocates nothing.
func (h *fileHandler) cacheKey(p, name string, slash bool) (key string, cacheable bool) {
	if h.cache == nil {
		return "", false
	}
	if !slash {
		return name, true
	}
	if h.opts.Index == "" {
		return "", false
	}
	if name == "." {
		return "", true
	}
	if len(p) == len(name)+2 && p[1:len(p)-1] == name {
		return p[1:], true
	}
	return name + "/", true
}

// openStatus maps an error from opening a file to a status: 403 for a
// permission error, 500 for a resource shortage or I/O error (which must
// not be cached as a 404), 404 for everything else, links refused by the
// policy and paths escaping the root included.
func openStatus(err error) int {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return httpserver.StatusForbidden
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE),
		errors.Is(err, syscall.EIO), errors.Is(err, syscall.ENOMEM):
		return httpserver.StatusInternalServerError
	}
	return httpserver.StatusNotFound
}
