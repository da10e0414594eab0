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
func hasPendingInput(nc net.Conn) bool {
	n := 0
	switch c := nc.(type) {
	case interface{ NetConn() net.Conn }: // *tls.Conn
		return hasPendingInput(c.NetConn())
	case *fdConn:
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.closed {
			return false
		}
		n, _ = unix.IoctlGetInt(c.fd, unix.SIOCINQ)
	case syscall.Conn:
		rc, err := c.SyscallConn()
		if err != nil {
			return false
		}
		rc.Control(func(fd uintptr) { n, _ = unix.IoctlGetInt(int(fd), unix.SIOCINQ) })
	}
	return n > 0
}
