package httpserver

import (
	"net/netip"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// rawSockaddr builds the kernel's form of ap, as accept4 reports it.
func rawSockaddr(ap netip.AddrPort, scope uint32) unix.RawSockaddrAny {
	var rsa unix.RawSockaddrAny
	port := [2]byte{byte(ap.Port() >> 8), byte(ap.Port())}
	if ap.Addr().Is4() {
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(&rsa))
		sa.Family = unix.AF_INET
		sa.Port = *(*uint16)(unsafe.Pointer(&port))
		sa.Addr = ap.Addr().As4()
	} else {
		sa := (*unix.RawSockaddrInet6)(unsafe.Pointer(&rsa))
		sa.Family = unix.AF_INET6
		sa.Port = *(*uint16)(unsafe.Pointer(&port))
		sa.Addr = ap.Addr().As16()
		sa.Scope_id = scope
	}
	return rsa
}

func TestPeerString(t *testing.T) {
	tests := []struct {
		addr  string
		scope uint32
		want  string
	}{
		{"127.0.0.1:80", 0, "127.0.0.1:80"},
		{"0.0.0.0:0", 0, "0.0.0.0:0"},
		{"255.255.255.255:65535", 0, "255.255.255.255:65535"},
		{"192.0.2.10:8080", 0, "192.0.2.10:8080"},
		{"[::1]:443", 0, "[::1]:443"},
		{"[2001:db8::1]:50000", 0, "[2001:db8::1]:50000"},
		{"[::ffff:192.0.2.1]:1234", 0, "[::ffff:192.0.2.1]:1234"},
		{"[fe80::1]:99", 1, "[fe80::1%lo]:99"},    // index 1 is the loopback interface on Linux
		{"[fe80::1]:99", 1 << 30, "[fe80::1]:99"}, // no such interface: no zone
	}
	for _, tt := range tests {
		rsa := rawSockaddr(netip.MustParseAddrPort(tt.addr), tt.scope)
		if got := peerOfSockaddr(&rsa).String(); got != tt.want {
			t.Errorf("peerString(%s, scope %d) = %q, want %q", tt.addr, tt.scope, got, tt.want)
		}
	}
	var unknown unix.RawSockaddrAny
	unknown.Addr.Family = unix.AF_UNIX
	if got := peerOfSockaddr(&unknown).String(); got != "" {
		t.Errorf("AF_UNIX: %q, want empty", got)
	}
}
