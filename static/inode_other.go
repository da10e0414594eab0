//go:build !unix

package static

import "io/fs"

// inode reports false: this OS gives no inode number through FileInfo.
func inode(fi fs.FileInfo) (uint64, bool) { return 0, false }
