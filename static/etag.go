package static

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"sync"
)

// statETag builds a strong entity-tag (RFC 9110 §8.8.3) from the file's
// size, modification time and, where the OS has one, inode number: any
// rewrite of the file changes at least one of them. It returns "" when the
// file has no modification time (embedded files): see hashETags.
func statETag(fi fs.FileInfo) string {
	mt := fi.ModTime()
	if mt.IsZero() {
		return ""
	}
	b := make([]byte, 0, 48)
	b = append(b, '"')
	b = strconv.AppendInt(b, fi.Size(), 16)
	b = append(b, '-')
	b = strconv.AppendInt(b, mt.UnixNano(), 16)
	if ino, ok := inode(fi); ok {
		b = append(b, '-')
		b = strconv.AppendUint(b, ino, 16)
	}
	b = append(b, '"')
	return string(b)
}

// hashETags computes, once per file, strong entity-tags from the content of
// files without a modification time, which is the case of embed.FS: their
// content is fixed for the life of the program, so the tag is cached by
// name and size.
type hashETags struct {
	m sync.Map // name -> hashedTag
}

type hashedTag struct {
	size int64
	etag string
}

// get returns the tag of name, hashing f (then seeking it back to the
// start) on first use; "" when f cannot be rewound.
func (c *hashETags) get(name string, f fs.File, size int64) string {
	if v, ok := c.m.Load(name); ok && v.(hashedTag).size == size {
		return v.(hashedTag).etag
	}
	sk, ok := f.(io.Seeker)
	if !ok {
		return ""
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	if _, err := sk.Seek(0, io.SeekStart); err != nil {
		return ""
	}
	tag := hashTag(h.Sum(nil))
	// name may alias the request's buffer: the map keeps a copy.
	c.m.Store(strings.Clone(name), hashedTag{size, tag})
	return tag
}

// contentETag returns the strong entity-tag of content, the same that
// hashETags computes for a file with that content.
func contentETag(content []byte) string {
	sum := sha256.Sum256(content)
	return hashTag(sum[:])
}

// hashTag formats the first 128 bits of a SHA-256 sum as an entity-tag.
func hashTag(sum []byte) string { return `"` + hex.EncodeToString(sum[:16]) + `"` }
