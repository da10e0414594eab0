package httpserver

import (
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// hasPendingInput reports whether bytes from the client wait unread in
// nc's socket: a request on its way, which Shutdown must not drop by
// closing the connection as idle (closing a socket with unread input also
// resets it, destroying what was sent).
func hasPendingInput(nc net.Conn) bool { return socketQueue(nc, unix.SIOCINQ) > 0 }

// hasUnsentOutput reports whether bytes of the response are still in
// nc's send queue, not yet acknowledged by the client: a lingering close
// waits on for them (see lingeringClose), since a reset would destroy
// them.
func hasUnsentOutput(nc net.Conn) bool { return socketQueue(nc, unix.SIOCOUTQ) > 0 }

// socketQueue asks nc's socket for the length of a queue: SIOCINQ
// (received, unread) or SIOCOUTQ (sent, unacknowledged). It reports 0
// when the socket cannot be asked.
func socketQueue(nc net.Conn, req uint) int {
	n := 0
	switch c := nc.(type) {
	case interface{ NetConn() net.Conn }: // *tls.Conn, helloRecords
		return socketQueue(c.NetConn(), req)
	case *fdConn:
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.closed {
			return 0
		}
		n, _ = unix.IoctlGetInt(c.fd, req)
	case syscall.Conn:
		rc, err := c.SyscallConn()
		if err != nil {
			return 0
		}
		rc.Control(func(fd uintptr) { n, _ = unix.IoctlGetInt(int(fd), req) })
	}
	return n
}
