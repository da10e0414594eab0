package nethttp

import (
	"errors"
	"io"
	"net/http"

	"github.com/rawsock/httpserver"
)

// errorPairs matches the sentinel errors of httpserver with their net/http
// counterparts, so that errors.Is works with either family whichever side
// of the bridge the caller is on.
var errorPairs = [...]struct{ own, std error }{
	{httpserver.ErrNotSupported, http.ErrNotSupported},
	{httpserver.ErrHijacked, http.ErrHijacked},
	{httpserver.ErrContentLength, http.ErrContentLength},
	{httpserver.ErrBodyNotAllowed, http.ErrBodyNotAllowed},
	{httpserver.ErrBodyReadAfterClose, http.ErrBodyReadAfterClose},
	{httpserver.ErrAbortHandler, http.ErrAbortHandler},
}

// bridgedError is an error of one side that also matches the equivalent
// sentinel of the other side.
type bridgedError struct {
	err   error // the error as returned
	other error // the matching sentinel of the other package
}

func (e *bridgedError) Error() string   { return e.err.Error() }
func (e *bridgedError) Unwrap() []error { return []error{e.err, e.other} }

// bridgeError returns err made to match the counterpart of the sentinel it
// wraps, if any. It allocates only for errors of a known family.
func bridgeError(err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	for _, p := range errorPairs {
		switch {
		case errors.Is(err, p.own):
			if errors.Is(err, p.std) {
				return err
			}
			return &bridgedError{err, p.std}
		case errors.Is(err, p.std):
			return &bridgedError{err, p.own}
		}
	}
	return err
}
