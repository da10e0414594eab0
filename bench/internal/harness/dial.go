package harness

import (
	"net"
	"time"
)

// DialTimeout bounds each dial and, as the deadline DialFrom sets, each
// connection's set-up.
const DialTimeout = 10 * time.Second

// SourceIP is the source address of connection i: 127.0.0.2 to
// 127.0.0.251 in turn, so that tens of thousands of connections to one
// server port do not run out of ephemeral ports.
func SourceIP(i int) net.IP {
	return net.IPv4(127, 0, 0, byte(2+i%250))
}

// DialFrom opens connection i to addr over TCP from SourceIP(i) and sets
// its deadline DialTimeout from now; the caller clears it once the
// connection is set up.
func DialFrom(addr string, i int) (net.Conn, error) {
	d := net.Dialer{Timeout: DialTimeout, LocalAddr: &net.TCPAddr{IP: SourceIP(i)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(DialTimeout))
	return c, nil
}

// RequireLoopback exits the process unless addr is a host:port on the
// loopback network: the clients load only this machine.
func RequireLoopback(addr string) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		fatalf("%q is not a loopback address", addr)
	}
}
