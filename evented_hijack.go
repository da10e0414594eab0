package httpserver

import (
	"crypto/tls"
	"net"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// EventHandler receives the input of a connection taken over with
// [ResponseController.HijackEvents]: instead of a goroutine blocked in
// Read, the server reads the connection and calls the handler with what
// arrived.
//
// A panic in a method is recovered and logged, as a handler's is (see
// [ErrEventHandlerPanic]).
//
// The calls are made on a goroutine of the server's, one at a time:
// OnData is never called concurrently with itself or with OnClose, and
// each call happens after the previous one returned. They may write to
// the connection (and block doing so) and close it. A call holds a
// goroutine until it returns; between calls, on the epoll engine, the
// connection holds none (see HijackEvents).
type EventHandler interface {
	// OnData is called with bytes received, in order. p is the
	// server's buffer, valid only during the call: copy what you keep
	// (race-detector builds overwrite it when the call returns). The
	// handler may modify it meanwhile, e.g. to unmask in place.
	OnData(p []byte)
	// OnClose is called once, after the last OnData, when input ends:
	// with io.EOF when the client closed its side, net.ErrClosed when
	// the connection was closed (by its owner, or by the server's Close
	// or a Shutdown), or the read error. The server closes the
	// connection when OnClose returns.
	OnClose(err error)
}

// ShutdownNotifier is implemented by an [EventHandler] that wants to
// hear of the server's graceful Shutdown. OnShutdown is called once, on
// a goroutine of its own, when Shutdown begins (or when the connection
// is taken over during one); the Shutdown then waits for the connection
// to close, until its context ends, when the connection is closed. A
// handler without OnShutdown has its connection closed when Shutdown
// begins (OnClose reports net.ErrClosed).
type ShutdownNotifier interface {
	OnShutdown()
}

// EventHijacker is implemented by writers whose connection can be taken
// over with its input delivered as events (see
// [ResponseController.HijackEvents]).
type EventHijacker interface {
	// HijackEvents hands the connection to h; see
	// ResponseController.HijackEvents.
	HijackEvents(h EventHandler) (net.Conn, error)
}

// HijackEvents takes over the connection, like Hijack, but leaves reading
// it to the server, which calls h.OnData with the bytes that arrive
// (first those already received after the request) and h.OnClose when
// input ends. The returned net.Conn is for writing, deadlines on writes,
// and closing; its Read fails with [ErrEventedRead] and read deadlines
// are not supported (a handler wanting an idle timeout closes the
// connection itself). Events begin once the handler returns.
//
// On the epoll engine a connection over plain TCP is read by the event
// loop's machinery: when bytes arrive, the event loop reads them into a
// pooled buffer and calls OnData itself, on its own goroutine, until the
// socket is drained, then registers the connection again. A call that
// waits (for room in a socket, a lock, a channel) or runs for more than
// about a millisecond hands the loop's role to a new goroutine, so that
// the loop's other connections wait no longer than that (see
// [PoolOptions.AlwaysHandOff], with which the calls are made on other
// goroutines of the server's instead). Between events the connection
// holds no goroutine and no read buffer. On the goroutine
// and pool engines, over TLS and on listeners the epoll engine does not
// poll, a goroutine per connection runs a blocking read loop calling the
// same methods, so handler code is the same everywhere.
//
// The connection stays tracked by the server: it counts in Stats and
// Limits.MaxConns, the server's Close closes it, and Shutdown tells a
// handler that implements [ShutdownNotifier] and waits for it (see
// there). HijackEvents fails with ErrNotSupported when no writer in the
// chain can hand over its connection (HTTP/2), ErrHijacked when the
// connection was taken over already, and ErrServerClosed when the server
// closed meanwhile (the connection is closed then).
func (c ResponseController) HijackEvents(h EventHandler) (net.Conn, error) {
	if hj, ok := find[EventHijacker](c.rw); ok {
		return hj.HijackEvents(h)
	}
	return nil, ErrNotSupported
}

// HijackEvents implements EventHijacker for HTTP/1.
func (w *response) HijackEvents(h EventHandler) (net.Conn, error) {
	nc, rd, err := w.takeOver()
	if err != nil {
		return nil, err
	}
	ec := &eventedConn{Conn: nc, srv: w.c.srv, h: h}
	if rd != nil {
		ec.pending = &rd
	}
	if !ec.srv.trackConn(ec, true) {
		ec.closeSocket()
		return nil, ErrServerClosed
	}
	w.evented = ec
	return ec, nil
}

// eventedConn is a connection taken over with HijackEvents: the net.Conn
// its owner writes to, and what the server reads it with. It is a
// trackedConn.
type eventedConn struct {
	net.Conn // *fdConn on the epoll engine, else the connection as served
	srv      *Server
	h        EventHandler
	pending  *[]byte // bytes received after the request, delivered first

	started  atomic.Bool // events began: the handler that took it over returned
	notified atomic.Bool // OnShutdown was called

	eventedInput // the epoll engine's part (evented_hijack_linux.go)
	connSetSlot  // in the Server's set; guarded by srv.mu
	// panicked: OnData panicked, and OnClose reports
	// ErrEventHandlerPanic. Set and read by the goroutine delivering the
	// events. (Beside the slot, in what was padding: an idle evented
	// connection stays within its size, TestEventedConnSize.)
	panicked bool
}

// start begins delivering events; called when the handler that took the
// connection over has returned.
func (ec *eventedConn) start() {
	ec.started.Store(true)
	if !ec.startEvented() {
		go ec.readLoop()
	}
}

// readLoop delivers the input of a connection that is not evented with
// blocking reads, on a goroutine of its own.
func (ec *eventedConn) readLoop() {
	ec.deliverPending()
	buf := make([]byte, eventReadSize)
	for {
		n, err := ec.Conn.Read(buf)
		if n > 0 {
			ec.onData(buf[:n])
		}
		if err != nil {
			ec.finish(err)
			return
		}
	}
}

// deliverPending hands the bytes received after the request to OnData.
func (ec *eventedConn) deliverPending() {
	if p := ec.pending; p != nil {
		ec.pending = nil
		ec.onData(*p)
	}
}

// onData calls OnData with p. In race-detector builds the bytes are
// overwritten when it returns, so that a handler that kept them (they
// are the server's buffer, reused) reads garbage at once instead of, one
// day, another connection's input.
//
// A panic in OnData is recovered, as a handler's is: it is logged (with
// its stack, unless it is ErrAbortHandler), the connection is closed, so
// that the caller's next read fails, and OnClose then hears of it
// (ErrEventHandlerPanic). The goroutine calling it may be an event
// loop's, serving in place: the loop's other connections go on.
func (ec *eventedConn) onData(p []byte) {
	defer func() {
		if v := recover(); v != nil {
			ec.recovered(v, "OnData")
			ec.panicked = true
			ec.Conn.Close()
		}
		if raceEnabled {
			for i := range p {
				p[i] = 0xDB
			}
		}
	}()
	ec.h.OnData(p)
}

// recovered logs a panic of the EventHandler's method.
func (ec *eventedConn) recovered(v any, method string) {
	if v == ErrAbortHandler {
		return
	}
	ec.srv.cfg.logger.Error("httpserver: panic in EventHandler."+method,
		"remote", ec.RemoteAddr(), "panic", v, "stack", string(debug.Stack()))
}

// eventReadSize is the size of the buffer input is read into.
const eventReadSize = 4 << 10

// finish ends the connection once its input ended: OnClose, then the
// server forgets it and closes it.
// A panic in OnClose is recovered and logged; the connection is
// forgotten and closed all the same.
func (ec *eventedConn) finish(err error) {
	defer func() {
		if v := recover(); v != nil {
			ec.recovered(v, "OnClose")
		}
		ec.srv.trackConn(ec, false)
		ec.Conn.Close()
	}()
	if ec.panicked {
		err = ErrEventHandlerPanic
	}
	ec.h.OnClose(err)
}

// Read implements net.Conn: the input goes to the EventHandler.
func (ec *eventedConn) Read([]byte) (int, error) { return 0, ErrEventedRead }

// SetReadDeadline implements net.Conn: reads are the server's.
func (ec *eventedConn) SetReadDeadline(time.Time) error { return ErrEventedRead }

// SetDeadline implements net.Conn: it sets the write deadline (reads are
// the server's).
func (ec *eventedConn) SetDeadline(t time.Time) error { return ec.Conn.SetWriteDeadline(t) }

// CloseWrite shuts down the sending side when the connection supports it
// (TCP; over TLS it sends close_notify).
func (ec *eventedConn) CloseWrite() error {
	if cw, ok := ec.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return ErrNotSupported
}

// closeSocket closes the socket under any TLS layer: it never waits,
// so the Server may call it with its mutex held. The reader then fails
// and finishes the connection.
func (ec *eventedConn) closeSocket() {
	if tc, ok := ec.Conn.(*tls.Conn); ok {
		tc.NetConn().Close()
		return
	}
	ec.Conn.Close()
}

// shutdown implements trackedConn: the handler hears of the Shutdown
// once, or, without OnShutdown, the connection is closed. Its reader
// forgets it when it ends. Until the events began, the handler that took
// the connection over may still be setting up: Shutdown, which calls
// this again and again, tells it later.
func (ec *eventedConn) shutdown(time.Duration) bool {
	if !ec.started.Load() || ec.notified.Swap(true) {
		return false
	}
	if n, ok := ec.h.(ShutdownNotifier); ok {
		go ec.notifyShutdown(n)
	} else {
		ec.closeSocket()
	}
	return false
}

// notifyShutdown calls OnShutdown; a panic in it is logged and closes
// the connection.
func (ec *eventedConn) notifyShutdown(n ShutdownNotifier) {
	defer func() {
		if v := recover(); v != nil {
			ec.recovered(v, "OnShutdown")
			ec.closeSocket()
		}
	}()
	n.OnShutdown()
}

// closeNow implements trackedConn.
func (ec *eventedConn) closeNow() bool {
	ec.closeSocket()
	return false
}
