package static

// SymlinkPolicy says which symbolic links a [Dir] handler follows.
type SymlinkPolicy int

const (
	// SymlinksInsideRoot follows a link only when its target, fully
	// resolved, stays inside the root (enforced by [os.Root]). It is the
	// default.
	SymlinksInsideRoot SymlinkPolicy = iota
	// SymlinksFollowAll follows every link, wherever it points.
	SymlinksFollowAll
	// SymlinksNever refuses (404) any path that goes through a symbolic
	// link, inside the root or not.
	SymlinksNever
)

// String returns the policy's name as used in configuration files:
// "inside-root", "all" or "never".
func (p SymlinkPolicy) String() string {
	switch p {
	case SymlinksInsideRoot:
		return "inside-root"
	case SymlinksFollowAll:
		return "all"
	case SymlinksNever:
		return "never"
	}
	return "SymlinkPolicy(" + itoa(int64(p)) + ")"
}

// ParseSymlinkPolicy parses the names returned by [SymlinkPolicy.String];
// "" means the default, [SymlinksInsideRoot].
func ParseSymlinkPolicy(s string) (SymlinkPolicy, error) {
	switch s {
	case "", "inside-root":
		return SymlinksInsideRoot, nil
	case "all":
		return SymlinksFollowAll, nil
	case "never":
		return SymlinksNever, nil
	}
	return 0, errorf(ErrBadOption, "unknown symlink policy %q (want inside-root, all or never)", s)
}

// DefaultIndex is the file served for a directory when Options.Index is
// empty.
const DefaultIndex = "index.html"

// NoIndex, as Options.Index, disables index files: a directory is listed
// (when Listing is on) or answered 404.
const NoIndex = "-"

// Options configure a static handler. The zero value (or a nil *Options)
// gives the defaults.
type Options struct {
	// CacheControl, when not empty, is sent as the Cache-Control field of
	// every file response (200, 206 and 304), e.g. "public, max-age=86400"
	// or "no-cache". Empty sends none, leaving caches to their heuristics
	// (RFC 9111 §4.2.2), bounded by the validators.
	CacheControl string
	// Listing enables an HTML listing of directories that have no index
	// file. Off by default: such directories answer 404.
	Listing bool
	// Index is the file served for a request to a directory; "" means
	// "index.html", [NoIndex] disables it.
	Index string
	// ShowDotfiles serves files and directories whose name starts with '.'
	// (and lists them). Off by default: any path with such a segment
	// answers 404, except "/.well-known/" (see HideWellKnown), and so does
	// a path through a symbolic link whose target is hidden
	// ("public.txt -> .env", for a [Dir] handler).
	ShowDotfiles bool
	// HideWellKnown hides "/.well-known/" with the other dotfiles. By
	// default it is served while dotfiles are hidden, so that ACME
	// http-01 challenges (RFC 8555 §8.3) and security.txt (RFC 9116) can
	// be served from the root (RFC 8615); the dotfiles below it stay
	// hidden, and it is not listed. Only the first segment of the path
	// the handler sees counts: behind a prefix mount, that of the mount.
	HideWellKnown bool
	// FollowSymlinks is the policy for symbolic links of a [Dir] handler;
	// the default confines them to the root. It has no effect on
	// [Handler], whose fs.FS decides.
	FollowSymlinks SymlinkPolicy
	// ContentTypes adds or overrides entries of the extension table: keys
	// are extensions with their dot, in lower case (".wasm"), values full
	// media types ("application/wasm").
	ContentTypes map[string]string
	// DisablePrecompressed turns off the lookup of .br, .zst and .gz
	// siblings.
	DisablePrecompressed bool
	// Cache configures the open-file cache, on by default: see
	// [CacheOptions].
	Cache CacheOptions
}

// withDefaults returns a copy of o (or of the zero Options) with defaults
// filled in.
func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	if c.Index == "" {
		c.Index = DefaultIndex
	}
	if c.Index == NoIndex {
		c.Index = ""
	}
	return c
}
