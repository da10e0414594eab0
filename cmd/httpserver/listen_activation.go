//go:build unix

package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// listenFDsStart is the first descriptor passed by socket activation
// (SD_LISTEN_FDS_START in sd_listen_fds(3)).
const listenFDsStart = 3

// maxListenFDs bounds the descriptors taken from LISTEN_FDS.
const maxListenFDs = 64

// errActivation prefixes the socket activation errors.
var errActivation = errors.New("httpserver: socket activation")

// activatedListeners returns the listeners passed to process pid, or none
// when LISTEN_PID is unset or names another process (the variables were
// meant for a parent).
func activatedListeners(getenv func(string) string, pid int) ([]net.Listener, error) {
	pidText, fdsText := getenv("LISTEN_PID"), getenv("LISTEN_FDS")
	if pidText == "" || fdsText == "" {
		return nil, nil
	}
	if p, err := strconv.Atoi(pidText); err != nil || p != pid {
		return nil, nil
	}
	n, err := strconv.Atoi(fdsText)
	if err != nil || n < 1 || n > maxListenFDs {
		return nil, fmt.Errorf("%w: invalid LISTEN_FDS %q (want 1 to %d)", errActivation, fdsText, maxListenFDs)
	}
	for _, k := range []string{"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"} {
		os.Unsetenv(k)
	}
	lns := make([]net.Listener, 0, n)
	for fd := listenFDsStart; fd < listenFDsStart+n; fd++ {
		ln, err := fileListener(fd)
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return nil, fmt.Errorf("%w: descriptor %d: %v (want a listening stream socket: ListenStream= in the .socket unit)", errActivation, fd, err)
		}
		lns = append(lns, ln)
	}
	return lns, nil
}

// fileListener makes a listener of the inherited socket fd and closes fd;
// the listener has a close-on-exec duplicate. A descriptor that is not a
// socket is left alone: it was not passed, and may be one the Go runtime
// opened since.
func fileListener(fd int) (net.Listener, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFSOCK {
		return nil, errors.New("not a socket")
	}
	f := os.NewFile(uintptr(fd), "LISTEN_FD_"+strconv.Itoa(fd))
	defer f.Close()
	return net.FileListener(f)
}
