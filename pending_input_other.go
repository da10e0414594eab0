//go:build !linux

package httpserver

import "net"

// hasPendingInput reports false: only Linux asks the socket.
func hasPendingInput(net.Conn) bool { return false }

// hasUnsentOutput reports false: only Linux asks the socket.
func hasUnsentOutput(net.Conn) bool { return false }
