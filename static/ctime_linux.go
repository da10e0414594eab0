package static

import (
	"io/fs"
	"syscall"
)

// changeTime returns the file's status change time (ctime) in Unix
// nanoseconds, 0 when unknown. Every write and rename sets it, and unlike
// the modification time no user tool can set it back.
func changeTime(fi fs.FileInfo) int64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ctim.Nano()
	}
	return 0
}
