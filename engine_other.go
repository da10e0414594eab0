//go:build !linux

package httpserver

// newEpollEngine fails outside Linux: the event loop needs epoll.
func newEpollEngine(*Server) (connEngine, error) {
	return nil, ErrEngineUnsupported
}
