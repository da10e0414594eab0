package httpserver

import "sync"

// h2ShutdownHooks are the OnShutdown callbacks of an HTTP/2 connection's
// running handlers (ResponseController.OnShutdown): GOAWAY lets open
// streams run to their end, so a handler that serves long (a WebSocket
// over RFC 8441, a stream of events) must be told to finish.
type h2ShutdownHooks struct {
	mu      sync.Mutex
	started bool // the connection's shutdown began
	hooks   map[*h2Response]func()
}

// OnShutdown implements shutdownRegistrar for HTTP/2 streams.
func (w *h2Response) OnShutdown(f func()) error {
	w.checkLive()
	h := &w.hc.shutdownHooks
	h.mu.Lock()
	defer h.mu.Unlock()
	if w.shutdownNotified {
		return nil // called once, as on HTTP/1
	}
	if h.started {
		w.shutdownNotified = true
		go f()
		return nil
	}
	if h.hooks == nil {
		h.hooks = make(map[*h2Response]func())
	}
	h.hooks[w] = f
	w.onShutdownSet = true
	return nil
}

// notifyShutdown calls every registered callback once, each on a
// goroutine of its own, and the callbacks registered later at once.
func (h *h2ShutdownHooks) notifyShutdown() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.started {
		return
	}
	h.started = true
	for w, f := range h.hooks {
		w.shutdownNotified = true
		go f()
	}
	clear(h.hooks)
}

// forget drops w's callback: its handler returned.
func (h *h2ShutdownHooks) forget(w *h2Response) {
	h.mu.Lock()
	delete(h.hooks, w)
	h.mu.Unlock()
}
