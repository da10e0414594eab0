package static

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// wellKnown is the directory of RFC 8615 well-known URIs, served even when
// dotfiles are hidden: ACME http-01 challenges (RFC 8555 §8.3) and
// security.txt (RFC 9116) live there.
const wellKnown = ".well-known"

// dotfiles is the rule for names starting with '.': which of them a
// handler serves. Hiding is about the file, not the name it is asked by:
// a symbolic link whose target is hidden is refused too (see
// [osSource.checkLinkTargets]).
type dotfiles struct {
	show      bool // Options.ShowDotfiles: every name is served
	wellKnown bool // "/.well-known/" is served, not the dotfiles below it
}

// dotfilesOf returns the rule that o describes.
func dotfilesOf(o *Options) dotfiles {
	return dotfiles{show: o.ShowDotfiles, wellKnown: !o.HideWellKnown}
}

// hidesSegment reports whether the path segment seg is hidden; first says
// it is the first segment below the root.
func (d dotfiles) hidesSegment(seg string, first bool) bool {
	if d.show || !isHidden(seg) {
		return false
	}
	return !(first && d.wellKnown && seg == wellKnown)
}

// hides reports whether name, slash-separated and relative to the root,
// has a hidden segment.
func (d dotfiles) hides(name string) bool {
	for first, rest := true, name; rest != ""; first = false {
		var seg string
		seg, rest, _ = strings.Cut(rest, "/")
		if d.hidesSegment(seg, first) {
			return true
		}
	}
	return false
}

// isHidden reports whether a file name starts with a dot.
func isHidden(name string) bool { return strings.HasPrefix(name, ".") }

// errHiddenTarget is reported for a path that leads through a symbolic
// link to a hidden file or directory. It counts as fs.ErrNotExist: the
// file is answered 404 like any hidden one, and a cached entry or sibling
// that turns into such a link is treated as gone.
var errHiddenTarget = fmt.Errorf("static: symbolic link to a hidden file: %w", fs.ErrNotExist)

// statVisible is stat for a handler that hides dotfiles, with a policy
// that follows links: it refuses a path that goes through a link whose
// target, fully resolved, is hidden ("public.txt -> .env", "repo ->
// .git"), and otherwise reports what stat reports.
//
// Without a link on the way it costs one lstat per directory above the
// file (the file's own lstat is its stat); with one it resolves the whole
// path. The check comes before the open: a link changed in between is not
// seen, but whoever can change links in the root can change its files.
func (s *osSource) statVisible(name, local string) (fs.FileInfo, error) {
	full := filepath.Join(s.dir, local)
	linked := false
	if dirs := len(full) - len(local); len(local) == len(name) && dirs > 0 {
		// The directories on the way are prefixes of full: local is
		// name with OS separators, the same length.
		for i := 0; i < len(name) && !linked; i++ {
			if name[i] == '/' {
				fi, err := os.Lstat(full[:dirs+i])
				linked = err == nil && fi.Mode()&fs.ModeSymlink != 0
			}
		}
	} else {
		linked = true // resolve the whole path
	}
	if !linked {
		var fi fs.FileInfo
		var err error
		if s.policy == SymlinksFollowAll {
			fi, err = os.Lstat(full)
		} else {
			fi, err = s.root.Lstat(local)
		}
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			return fi, err // not a link: lstat is stat
		}
	}
	if err := s.checkLinkTargets(name, full); err != nil {
		return nil, err
	}
	if s.policy == SymlinksFollowAll {
		return os.Stat(full)
	}
	return s.root.Stat(local)
}

// checkLinkTargets resolves full, the OS path of name, and reports
// errHiddenTarget when the result is hidden: its path below the root, or
// for a target outside the root (SymlinksFollowAll) its path below the
// nearest directory it shares with the root, has a hidden segment.
func (s *osSource) checkLinkTargets(name, full string) error {
	real, err := filepath.EvalSymlinks(full)
	if err != nil {
		return err
	}
	if s.dots.hides(filepath.ToSlash(relToCommon(s.real, real))) {
		return &fs.PathError{Op: "stat", Path: name, Err: errHiddenTarget}
	}
	return nil
}

// relToCommon returns the part of the clean absolute path target below the
// deepest directory it shares with base: its path relative to base when
// it lies inside, "" when it is base.
func relToCommon(base, target string) string {
	b := strings.Split(base, string(filepath.Separator))
	t := strings.Split(target, string(filepath.Separator))
	i := 0
	for i < len(b) && i < len(t) && b[i] == t[i] {
		i++
	}
	return filepath.Join(t[i:]...)
}
