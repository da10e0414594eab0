package static

import (
	"errors"
	"fmt"
	"strconv"
)

// Sentinel errors returned by the package's constructors; test with
// errors.Is.
var (
	// ErrNotDirectory is returned by Dir when the root is not a directory.
	ErrNotDirectory = errors.New("static: root is not a directory")
	// ErrBadOption is returned for an invalid option value.
	ErrBadOption = errors.New("static: invalid option")
)

// errorf wraps a sentinel with a formatted detail.
func errorf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
