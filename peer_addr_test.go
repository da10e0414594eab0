package httpserver

import (
	"net"
	"testing"
)

// TestPeerAddr: a connection's address, kept compactly, formats as
// net.Addr.String does: IPv4 (also in net.IP's 16-byte form), IPv6 with
// or without a zone, other networks, none.
func TestPeerAddr(t *testing.T) {
	tests := []struct {
		name string
		addr net.Addr
		v4   bool // kept as numbers, not a string
	}{
		{"IPv4", &net.TCPAddr{IP: net.IPv4(192, 0, 2, 10).To4(), Port: 8080}, true},
		{"IPv4, 16-byte form", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80}, true},
		{"IPv4 extremes", &net.TCPAddr{IP: net.IPv4(255, 255, 255, 255), Port: 65535}, true},
		{"IPv4 zero", &net.TCPAddr{IP: net.IPv4zero, Port: 0}, true},
		{"IPv6", &net.TCPAddr{IP: net.ParseIP("2001:db8::1"), Port: 443}, false},
		{"IPv6 with zone", &net.TCPAddr{IP: net.ParseIP("fe80::1"), Port: 99, Zone: "lo"}, false},
		{"IPv4 with zone", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 99, Zone: "lo"}, false},
		{"Unix", &net.UnixAddr{Name: "/run/x.sock", Net: "unix"}, false},
		{"nil TCPAddr", (*net.TCPAddr)(nil), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := peerOf(tt.addr)
			want := tt.addr.String()
			if got := p.String(); got != want {
				t.Fatalf("String() = %q, want %q", got, want)
			}
			if (p.v4 != 0) != tt.v4 || (p.other == nil) != tt.v4 {
				t.Fatalf("kept as %+v, want IPv4 numbers: %v", p, tt.v4)
			}
			c := &conn{remoteAddr: p, connIO: new(connIO)}
			if got := c.remoteString(); got != want {
				t.Fatalf("remoteString() = %q, want %q", got, want)
			}
			if got := p.LogValue().String(); got != want {
				t.Fatalf("LogValue() = %q, want %q", got, want)
			}
		})
	}
	if p := peerOf(nil); p.String() != "" || p.v4 != 0 || p.other != nil {
		t.Fatalf("no address: %+v", p)
	}
}

// TestRemoteStringSharedConnIO: a connIO that passes from one connection
// to another formats the new one's address, and a request's address
// costs no allocation.
func TestRemoteStringSharedConnIO(t *testing.T) {
	io := new(connIO)
	a := &conn{remoteAddr: peerV4Of([4]byte{10, 0, 0, 1}, 1000), connIO: io}
	b := &conn{remoteAddr: peerV4Of([4]byte{10, 0, 0, 200}, 65000), connIO: io}
	for _, step := range []struct {
		c    *conn
		want string
	}{{a, "10.0.0.1:1000"}, {b, "10.0.0.200:65000"}, {a, "10.0.0.1:1000"}} {
		if got := step.c.remoteString(); got != step.want {
			t.Fatalf("remoteString() = %q, want %q", got, step.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() {
		a.remoteString()
		b.remoteString()
	}); n != 0 {
		t.Fatalf("%v allocations, want 0", n)
	}
}
