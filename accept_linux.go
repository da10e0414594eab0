package httpserver

import (
	"net"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// acceptPeer accepts a connection on the listening socket lfd, as a
// non-blocking, close-on-exec descriptor, and returns it with the peer's
// address. Unlike unix.Accept4, whose socket address escapes to the heap,
// it allocates nothing for an IPv4 peer (see peerAddr): a burst of
// accepts leaves no garbage behind the connections it parks.
func acceptPeer(lfd int) (fd int, raddr peerAddr, err error) {
	var rsa unix.RawSockaddrAny
	n := uint32(unix.SizeofSockaddrAny)
	r, _, errno := unix.Syscall6(unix.SYS_ACCEPT4, uintptr(lfd),
		uintptr(unsafe.Pointer(&rsa)), uintptr(unsafe.Pointer(&n)),
		unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
	if errno != 0 {
		return -1, peerAddr{}, errno
	}
	return int(r), peerOfSockaddr(&rsa), nil
}

// peerOfSockaddr returns the peerAddr of a socket address, formatted as
// net.TCPAddr.String does for the addresses the kernel reports:
// "192.0.2.1:8080", "[2001:db8::1]:8080" or "[fe80::1%eth0]:8080".
func peerOfSockaddr(rsa *unix.RawSockaddrAny) peerAddr {
	switch rsa.Addr.Family {
	case unix.AF_INET:
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(rsa))
		return peerV4Of(sa.Addr, networkPort(sa.Port))
	case unix.AF_INET6:
		sa := (*unix.RawSockaddrInet6)(unsafe.Pointer(rsa))
		a := netip.AddrFrom16(sa.Addr)
		if sa.Scope_id != 0 {
			if ifi, err := net.InterfaceByIndex(int(sa.Scope_id)); err == nil {
				a = a.WithZone(ifi.Name)
			}
		}
		return peerOfString(netip.AddrPortFrom(a, networkPort(sa.Port)).String())
	}
	return peerAddr{}
}

// networkPort converts a port in network byte order, as stored in a
// socket address, to a number.
func networkPort(p uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(&p))
	return uint16(b[0])<<8 | uint16(b[1])
}
