package static

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// source opens files by fs.ValidPath names ("." is the root).
type source interface {
	// open opens a regular file or a directory; anything else (devices,
	// FIFOs, sockets) reports fs.ErrNotExist, so that opening never
	// blocks.
	open(name string) (fs.File, error)
	// stat describes a file, following links as open does.
	stat(name string) (fs.FileInfo, error)
}

// errSymlink is reported for a path through a link that the policy refuses.
var errSymlink = errors.New("static: path goes through a refused symbolic link")

// fsSource serves an fs.FS as given.
type fsSource struct{ fsys fs.FS }

func (s fsSource) open(name string) (fs.File, error) {
	f, err := s.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() && !fi.IsDir() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return f, nil
}

func (s fsSource) stat(name string) (fs.FileInfo, error) { return fs.Stat(s.fsys, name) }

// osSource serves an OS directory. Opening goes through an os.Root, which
// confines every lookup, links included, to the directory (the default
// policy); SymlinksFollowAll opens plain paths below the root instead, and
// SymlinksNever checks each component with Lstat first.
type osSource struct {
	root   *os.Root
	dir    string // absolute path of the root
	real   string // dir with its links resolved, to place link targets
	policy SymlinkPolicy
	dots   dotfiles
}

func newOSSource(dir string, policy SymlinkPolicy, dots dotfiles) (*osSource, error) {
	if policy < SymlinksInsideRoot || policy > SymlinksNever {
		return nil, errorf(ErrBadOption, "unknown symlink policy %d", int(policy))
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, errorf(ErrNotDirectory, "%q", dir)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, err
	}
	return &osSource{root: root, dir: abs, real: real, policy: policy, dots: dots}, nil
}

func (s *osSource) stat(name string) (fs.FileInfo, error) {
	local, err := filepath.Localize(name)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	switch {
	case s.policy == SymlinksNever:
		// No link is followed, so none leads to a hidden file.
		if err := s.checkNoLinks(name); err != nil {
			return nil, err
		}
	case !s.dots.show && name != ".":
		return s.statVisible(name, local)
	case s.policy == SymlinksFollowAll:
		return os.Stat(filepath.Join(s.dir, local))
	}
	return s.root.Stat(local)
}

func (s *osSource) open(name string) (fs.File, error) {
	// Stat first: opening a FIFO for reading would block until a writer
	// comes.
	fi, err := s.stat(name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() && !fi.IsDir() {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	local, _ := filepath.Localize(name) // stat validated it
	if s.policy == SymlinksFollowAll {
		return os.Open(filepath.Join(s.dir, local))
	}
	return s.root.Open(local)
}

// checkNoLinks reports errSymlink when any component of name is a
// symbolic link.
func (s *osSource) checkNoLinks(name string) error {
	if name == "." {
		return nil
	}
	for i := 0; i <= len(name); i++ {
		if i < len(name) && name[i] != '/' {
			continue
		}
		local, err := filepath.Localize(name[:i])
		if err != nil {
			return &fs.PathError{Op: "lstat", Path: name, Err: fs.ErrInvalid}
		}
		fi, err := s.root.Lstat(local)
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return &fs.PathError{Op: "lstat", Path: name[:i], Err: errSymlink}
		}
	}
	return nil
}

// close releases the root.
func (s *osSource) close() error { return s.root.Close() }
