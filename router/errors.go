package router

import (
	"errors"
	"fmt"
)

// Sentinel errors returned (wrapped) by [Router.TryHandle] and [Router.TryMount],
// and carried by the panics of [Router.Handle], [Router.Mount] and
// [Router.Use]. Test with errors.Is.
var (
	// ErrInvalidPattern reports a malformed route pattern.
	ErrInvalidPattern = errors.New("router: invalid pattern")
	// ErrInvalidMethod reports a method that is not an HTTP token
	// (RFC 9110 §9.1), or one extension method too many.
	ErrInvalidMethod = errors.New("router: invalid method")
	// ErrConflict reports a route that cannot coexist with one registered
	// before; the message names both.
	ErrConflict = errors.New("router: conflicting routes")
	// ErrNilHandler reports a nil handler.
	ErrNilHandler = errors.New("router: nil handler")
	// ErrUseAfterRoutes is carried by the panic of [Router.Use] called
	// after routes were registered through the router, which the
	// middleware would not reach.
	ErrUseAfterRoutes = errors.New("router: Use after routes")
)

func invalidPattern(pattern, why string) error {
	return fmt.Errorf("%w %q: %s", ErrInvalidPattern, pattern, why)
}

func conflict(route, existing, why string) error {
	return fmt.Errorf("%w: %q and %q: %s", ErrConflict, route, existing, why)
}
