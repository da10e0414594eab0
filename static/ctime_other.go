//go:build !linux

package static

import "io/fs"

// changeTime returns 0: the status change time is only read on Linux.
func changeTime(fi fs.FileInfo) int64 { return 0 }
