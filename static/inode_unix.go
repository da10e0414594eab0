//go:build unix

package static

import (
	"io/fs"
	"syscall"
)

// inode returns the file's inode number when the OS reports one.
func inode(fi fs.FileInfo) (uint64, bool) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino), true
	}
	return 0, false
}
