//go:build linux

package httpserver

import (
	"runtime"
	"sync"
)

// eventRunners are the goroutines that serve the readiness bursts of
// connections taken over with HijackEvents on an epoll engine. A runner
// that has served a burst waits for the next one, up to
// maxIdleEventRunners of them, instead of ending: a burst started on a
// fresh goroutine grew its stack again each time (runtime.newstack was a
// quarter of the CPU of a 1 KiB WebSocket echo). An idle connection still
// holds no goroutine: runners belong to the engine, not to connections,
// and stop with it.
type eventRunners struct {
	mu     sync.Mutex
	idle   []chan *eventedConn
	closed bool
}

// maxIdleEventRunners bounds the runners kept waiting.
var maxIdleEventRunners = 8 * runtime.GOMAXPROCS(0)

// start serves ec's input on an idle runner, or a new one. It may be
// called with ec's fdConn locked (see eventedConn.readable): it never
// waits.
func (rs *eventRunners) start(ec *eventedConn) {
	rs.mu.Lock()
	if n := len(rs.idle); n > 0 {
		next := rs.idle[n-1]
		rs.idle[n-1] = nil
		rs.idle = rs.idle[:n-1]
		rs.mu.Unlock()
		next <- ec // buffered, and its runner waits on nothing else
		return
	}
	rs.mu.Unlock()
	go rs.run(make(chan *eventedConn, 1), ec)
}

// run serves bursts until it is told to stop (nil), the engine stopped,
// or enough runners are idle already.
func (rs *eventRunners) run(next chan *eventedConn, ec *eventedConn) {
	for ec != nil {
		ec.serveInput()
		rs.mu.Lock()
		if rs.closed || len(rs.idle) >= maxIdleEventRunners {
			rs.mu.Unlock()
			return
		}
		rs.idle = append(rs.idle, next)
		rs.mu.Unlock()
		ec = <-next
	}
}

// close ends the idle runners, and the busy ones once their burst is
// served; later bursts run on goroutines that end with them.
func (rs *eventRunners) close() {
	rs.mu.Lock()
	rs.closed = true
	idle := rs.idle
	rs.idle = nil
	rs.mu.Unlock()
	for _, next := range idle {
		next <- nil
	}
}
