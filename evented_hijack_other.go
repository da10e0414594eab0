//go:build !linux

package httpserver

// eventedInput is empty without the epoll engine.
type eventedInput struct{}

// startEvented reports false: every connection is read by readLoop.
func (ec *eventedConn) startEvented() bool { return false }
