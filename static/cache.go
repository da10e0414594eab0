package static

import (
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of [CacheOptions].
const (
	// DefaultCacheValidity is how long a cached file is trusted without
	// looking at the file system again.
	DefaultCacheValidity = time.Second
	// DefaultCacheMaxFileSize is the largest file whose content is kept
	// in memory.
	DefaultCacheMaxFileSize = 64 << 10
	// DefaultCacheMaxEntries bounds the number of files cached.
	DefaultCacheMaxEntries = 4096
	// DefaultCacheMaxBytes bounds the file content kept in memory.
	DefaultCacheMaxBytes = 32 << 20
)

// CacheOptions configure the open-file cache of a handler, which is on by
// default (the zero value gives the defaults), like nginx's
// open_file_cache. For each regular file served it keeps, by request path,
// the file's metadata, validators, Content-Type and which precompressed
// siblings exist, and, for files up to MaxFileSize, their content (and
// that of their small siblings): a hit costs no system call and no
// allocation. Larger files are still opened and sent with sendfile(2);
// descriptors are never kept open. Paths that fail (404, 403, errors) are
// not cached.
//
// Staleness: an entry is trusted for Validity. The first request after
// that looks at the file again (stat, through the same root, symbolic
// link policy and dotfile rule as any request) and keeps the entry when
// size, modification time, mode and inode are unchanged, else reloads it.
// So a file changed, deleted or replaced by a link the policy refuses (or
// a link to a hidden dotfile) can still be served, as it was, for up to
// Validity after the change. Disable the cache where
// that is not acceptable.
type CacheOptions struct {
	// Disable turns the cache off: every request opens its file.
	Disable bool
	// Validity is how long an entry is trusted; 0 means
	// [DefaultCacheValidity], a negative value checks the file on every
	// request (the content, Content-Type and validators are still
	// cached).
	Validity time.Duration
	// MaxFileSize is the largest file whose content is held in memory; 0
	// means [DefaultCacheMaxFileSize], a negative value holds no content
	// (metadata only).
	MaxFileSize int64
	// MaxEntries bounds the number of cached files; 0 (or less) means
	// [DefaultCacheMaxEntries].
	MaxEntries int
	// MaxBytes bounds the content held in memory, over all entries; 0
	// means [DefaultCacheMaxBytes], a negative value holds no content.
	MaxBytes int64
}

// fileCache maps request keys to cache entries.
//
// Lookups go through a sync.Map, whose loads take no lock (a hash trie
// read with atomic loads): concurrent requests for the same hot file share
// cache lines that nobody writes, where an RWMutex would have them all
// increment one reader count. Insertions and removals, which follow file
// system calls anyway, are serialised by mu.
//
// Eviction is CLOCK: a hit sets the entry's referenced bit (an atomic
// store, only when it is clear), and eviction sweeps a ring of entries,
// clearing bits and evicting the first entry found clear. It approximates
// LRU without the list surgery that LRU needs on every hit, which would put
// every reader under a lock. New entries start clear, so files requested
// once go first.
type fileCache struct {
	validity   int64 // nanoseconds; negative: check on every request
	maxFile    int64 // content held up to this size; negative: none
	maxEntries int
	maxBytes   int64
	now        func() int64 // monotonic nanoseconds; replaced in tests

	m sync.Map // key string -> *cacheEntry

	mu    sync.Mutex
	ring  []*cacheEntry // every entry in m, in CLOCK order
	hand  int
	bytes int64 // content bytes held by the entries of ring
}

// clockBase anchors monoNow.
var clockBase = time.Now()

// monoNow returns monotonic nanoseconds since the package started.
func monoNow() int64 { return int64(time.Since(clockBase)) }

// newFileCache returns the cache o describes, or nil when it is disabled.
func newFileCache(o CacheOptions) *fileCache {
	if o.Disable {
		return nil
	}
	c := &fileCache{
		validity:   int64(o.Validity),
		maxFile:    o.MaxFileSize,
		maxEntries: o.MaxEntries,
		maxBytes:   o.MaxBytes,
		now:        monoNow,
	}
	if c.validity == 0 {
		c.validity = int64(DefaultCacheValidity)
	}
	if c.maxFile == 0 {
		c.maxFile = DefaultCacheMaxFileSize
	}
	if c.maxEntries <= 0 {
		c.maxEntries = DefaultCacheMaxEntries
	}
	if c.maxBytes == 0 {
		c.maxBytes = DefaultCacheMaxBytes
	}
	if c.maxBytes < 0 {
		c.maxFile, c.maxBytes = -1, 0
	}
	return c
}

// holdLimit returns the largest file whose content an entry holds; -1 for
// none.
func (c *fileCache) holdLimit() int64 {
	if c == nil {
		return -1
	}
	return min(c.maxFile, c.maxBytes)
}

// get returns the entry of key, or nil, and marks it referenced.
func (c *fileCache) get(key string) *cacheEntry {
	v, ok := c.m.Load(key)
	if !ok {
		return nil
	}
	e := v.(*cacheEntry)
	if !e.ref.Load() {
		e.ref.Store(true)
	}
	return e
}

// stale reports whether e must be checked against the file system.
func (c *fileCache) stale(e *cacheEntry, now int64) bool {
	return c.validity < 0 || now-e.checked.Load() >= c.validity
}

// store adds e under e.key, replacing any entry there, then evicts until
// the cache is within its bounds. e starts unreferenced: a file requested
// once is evicted before the files requested again (as SIEVE does), so a
// crawl through many files does not flush the hot ones.
//
// looked is when the file system was looked at for e. An entry already
// there that was looked at no earlier is kept: a request that stalled while
// reading an old version must not store it over the new one.
func (c *fileCache) store(e *cacheEntry, looked int64) {
	e.checked.Store(looked)
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.m.Load(e.key); ok {
		old := v.(*cacheEntry)
		if old.checked.Load() >= looked {
			return
		}
		c.removeLocked(old)
	}
	e.slot = len(c.ring)
	c.ring = append(c.ring, e)
	c.bytes += e.bytes
	c.m.Store(e.key, e)
	c.evictLocked(e)
}

// remove drops e, unless it was already replaced or evicted.
func (c *fileCache) remove(e *cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.slot >= 0 {
		c.removeLocked(e)
	}
}

// removeLocked takes e out of the ring (moving the last entry into its
// slot) and out of the map.
func (c *fileCache) removeLocked(e *cacheEntry) {
	last := len(c.ring) - 1
	moved := c.ring[last]
	c.ring[e.slot] = moved
	moved.slot = e.slot
	c.ring[last] = nil
	c.ring = c.ring[:last]
	c.bytes -= e.bytes
	c.m.CompareAndDelete(e.key, e)
	e.slot = -1
}

// evictLocked runs the CLOCK hand until the cache is within its bounds,
// sparing keep (the entry just stored) unless it is alone. Each step
// clears a referenced bit, or evicts an entry whose bit is clear; after
// two turns it evicts whatever it finds, so that readers setting bits
// concurrently cannot keep it turning.
func (c *fileCache) evictLocked(keep *cacheEntry) {
	for steps := 0; len(c.ring) > 0 && (len(c.ring) > c.maxEntries || c.bytes > c.maxBytes); steps++ {
		if c.hand >= len(c.ring) {
			c.hand = 0
		}
		e := c.ring[c.hand]
		if e == keep && len(c.ring) > 1 {
			c.hand++
			continue
		}
		if steps < 2*len(c.ring) && e.ref.Load() {
			e.ref.Store(false)
			c.hand++
			continue
		}
		c.removeLocked(e) // the slot now holds the former last entry
	}
}

// stats returns the number of entries and content bytes held.
func (c *fileCache) stats() (entries int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.ring), c.bytes
}

// refs is the CLOCK bit and freshness stamp of an entry: the only fields
// of a published entry that requests write (slot is written under
// fileCache.mu).
type refs struct {
	checked atomic.Int64 // c.now() of the last check against the file system
	ref     atomic.Bool  // referenced since the hand last passed
}
