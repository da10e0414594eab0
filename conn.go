package httpserver

import (
	"net"
	"time"
)

// conn is one client connection. (placeholder; being implemented)
type conn struct {
	srv *Server
	nc  net.Conn
}

func newConn(s *Server, nc net.Conn) *conn { return &conn{srv: s, nc: nc} }
func (c *conn) serve()                     { c.nc.Close(); c.srv.trackConn(c, false) }
func (c *conn) closeIfIdle()               {}
func (c *conn) forceClose()                { c.nc.Close() }
func (r *Request) checkLive()              {}

func rejectOverCapacity(nc net.Conn, d time.Duration) { nc.Close() }
func isTemporaryAcceptError(err error) bool           { return false }
