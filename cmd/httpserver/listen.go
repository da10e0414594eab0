package main

import (
	"net"
	"os"
)

// listen returns the listeners to serve: the sockets passed by systemd
// socket activation when LISTEN_PID names this process and LISTEN_FDS is at
// least 1 (descriptors 3, 4, ...), else one TCP listener on addr. The
// second result tells which. The activation variables are removed from the
// environment once used, so that no child process takes the sockets for
// its own (sd_listen_fds with unset_environment).
func listen(addr string, getenv func(string) string) ([]net.Listener, bool, error) {
	lns, err := activatedListeners(getenv, os.Getpid())
	if err != nil || len(lns) > 0 {
		return lns, true, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, false, err
	}
	return []net.Listener{ln}, false, nil
}

// listenerAddrs lists the addresses of lns for the log.
func listenerAddrs(lns []net.Listener) []string {
	addrs := make([]string, len(lns))
	for i, ln := range lns {
		addrs[i] = ln.Addr().String()
	}
	return addrs
}

// closeListeners closes lns.
func closeListeners(lns []net.Listener) {
	for _, ln := range lns {
		ln.Close()
	}
}
