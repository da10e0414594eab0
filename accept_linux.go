package httpserver

import (
	"net"
	"net/netip"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// acceptPeer accepts a connection on the listening socket lfd, as a
// non-blocking, close-on-exec descriptor, and returns it with the peer's
// address. Unlike unix.Accept4, whose socket address escapes to the heap,
// it allocates nothing but the address string: a burst of accepts leaves
// no garbage behind the connections it parks.
func acceptPeer(lfd int) (fd int, raddr string, err error) {
	var rsa unix.RawSockaddrAny
	n := uint32(unix.SizeofSockaddrAny)
	r, _, errno := unix.Syscall6(unix.SYS_ACCEPT4, uintptr(lfd),
		uintptr(unsafe.Pointer(&rsa)), uintptr(unsafe.Pointer(&n)),
		unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
	if errno != 0 {
		return -1, "", errno
	}
	return int(r), peerString(&rsa), nil
}

// peerString formats a socket address as net.TCPAddr.String does for
// the addresses the kernel reports: "192.0.2.1:8080", "[2001:db8::1]:8080"
// or "[fe80::1%eth0]:8080".
func peerString(rsa *unix.RawSockaddrAny) string {
	switch rsa.Addr.Family {
	case unix.AF_INET:
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(rsa))
		var buf [len("255.255.255.255:65535")]byte
		b := buf[:0]
		for i, x := range sa.Addr {
			if i > 0 {
				b = append(b, '.')
			}
			b = strconv.AppendUint(b, uint64(x), 10)
		}
		b = append(b, ':')
		b = strconv.AppendUint(b, uint64(networkPort(sa.Port)), 10)
		return string(b)
	case unix.AF_INET6:
		sa := (*unix.RawSockaddrInet6)(unsafe.Pointer(rsa))
		a := netip.AddrFrom16(sa.Addr)
		if sa.Scope_id != 0 {
			if ifi, err := net.InterfaceByIndex(int(sa.Scope_id)); err == nil {
				a = a.WithZone(ifi.Name)
			}
		}
		return netip.AddrPortFrom(a, networkPort(sa.Port)).String()
	}
	return ""
}

// networkPort converts a port in network byte order, as stored in a
// socket address, to a number.
func networkPort(p uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(&p))
	return uint16(b[0])<<8 | uint16(b[1])
}
