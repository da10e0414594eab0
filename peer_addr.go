package httpserver

import (
	"log/slog"
	"net"
	"strconv"
	"unsafe"
)

// peerAddr is a connection's remote address, kept compactly: an IPv4
// address and port in v4, formatted when needed, anything else (IPv6,
// Unix sockets) as the string net.Addr.String gives. An idle connection
// then holds no address string: on the epoll engine that was 16 to 24
// bytes a connection, a fifth of its own structs. A request's RemoteAddr
// is formatted into its connIO (see conn.remoteString), once per
// connection that uses it, not per request.
type peerAddr struct {
	v4    uint64  // peerV4 | address<<16 | port for IPv4; else 0
	other *string // the address otherwise; nil: none known
}

// peerV4 marks an IPv4 address in peerAddr.v4 (0.0.0.0:0 is one too).
const peerV4 = 1 << 48

// maxPeerV4Len is the length of the longest IPv4 address with a port.
const maxPeerV4Len = len("255.255.255.255:65535")

// peerV4Of returns the peerAddr of an IPv4 address and port.
func peerV4Of(ip [4]byte, port uint16) peerAddr {
	a := uint64(ip[0])<<24 | uint64(ip[1])<<16 | uint64(ip[2])<<8 | uint64(ip[3])
	return peerAddr{v4: peerV4 | a<<16 | uint64(port)}
}

// peerOf returns the peerAddr of a, as a.String() would format it.
func peerOf(a net.Addr) peerAddr {
	if a == nil {
		return peerAddr{}
	}
	if ta, ok := a.(*net.TCPAddr); ok && ta != nil && ta.Zone == "" && 0 <= ta.Port && ta.Port <= 0xffff {
		// net.IP formats an IPv4-mapped address as IPv4, as To4 finds it.
		if ip4 := ta.IP.To4(); ip4 != nil {
			return peerV4Of([4]byte(ip4), uint16(ta.Port))
		}
	}
	return peerOfString(a.String())
}

// peerOfString returns the peerAddr of an address formatted already.
func peerOfString(s string) peerAddr {
	if s == "" {
		return peerAddr{}
	}
	return peerAddr{other: &s}
}

// appendTo appends the address as net.TCPAddr.String formats it.
func (p peerAddr) appendTo(b []byte) []byte {
	if p.v4 == 0 {
		if p.other != nil {
			b = append(b, *p.other...)
		}
		return b
	}
	for i := 3; i >= 0; i-- {
		b = strconv.AppendUint(b, p.v4>>(16+8*i)&0xff, 10)
		if i > 0 {
			b = append(b, '.')
		}
	}
	b = append(b, ':')
	return strconv.AppendUint(b, p.v4&0xffff, 10)
}

// String returns the address, "ip:port"; "" when none is known. It
// allocates for an IPv4 address: requests use conn.remoteString instead.
func (p peerAddr) String() string {
	if p.v4 == 0 {
		if p.other != nil {
			return *p.other
		}
		return ""
	}
	var buf [maxPeerV4Len]byte
	return string(p.appendTo(buf[:0]))
}

// LogValue implements slog.LogValuer: logged, the address is its string.
func (p peerAddr) LogValue() slog.Value { return slog.StringValue(p.String()) }

// peerCache is a connIO's copy of the formatted IPv4 address of the
// connection that uses it, which requests' RemoteAddr alias.
type peerCache struct {
	v4  uint64 // the address formatted in buf; 0: none
	n   uint8
	buf [maxPeerV4Len]byte
}

// remoteString returns the connection's address for a Request, without
// allocating: an IPv4 address is formatted into the connIO, which the
// connection holds while a handler runs, and the string aliases it, as
// the Request's other strings alias its buffers. c.connIO must be set.
func (c *conn) remoteString() string {
	p := c.remoteAddr
	if p.v4 == 0 {
		return p.String()
	}
	pc := &c.peer
	if pc.v4 != p.v4 {
		pc.n = uint8(len(p.appendTo(pc.buf[:0])))
		pc.v4 = p.v4
	}
	return unsafe.String(&pc.buf[0], int(pc.n))
}
