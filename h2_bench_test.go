package httpserver

import (
	"net"
	"runtime"
	"testing"
	"time"
)

// BenchmarkH2CStreams measures one GET stream through the Handler API
// (HEADERS in, HEADERS and a 13-octet DATA out) over h2c on loopback, 32
// streams in flight, per engine.
func BenchmarkH2CStreams(b *testing.B) {
	for _, engine := range engines {
		b.Run(string(engine), func(b *testing.B) {
			s := startServer(b, plaintextHandler, withEngine(engine), withH2C)
			k := newH2RawClient(b, s.addr, "/plaintext")
			k.wait(1)
			b.ReportAllocs()
			b.ResetTimer()
			k.roundTrips(b.N)
		})
	}
}

// BenchmarkH2CIdleConnMemory reports the heap and stack an idle h2c
// connection costs the server, per engine, after its handshake and one
// request (bytes/conn): 200 connections are opened, each gets one
// response, and the memory in use is compared with the same 200 clients
// connected to a listener that only accepts (the client side's share and
// the accepted sockets are subtracted, as in internal/http2's
// BenchmarkIdleConnMemory).
func BenchmarkH2CIdleConnMemory(b *testing.B) {
	const n = 200
	inUse := func() float64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return float64(m.HeapInuse + m.StackInuse)
	}
	baseline := func() float64 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		defer l.Close()
		before := inUse()
		var conns []net.Conn
		for range n {
			c, err := net.Dial("tcp", l.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			sc, err := l.Accept()
			if err != nil {
				b.Fatal(err)
			}
			conns = append(conns, c, sc)
		}
		time.Sleep(100 * time.Millisecond)
		used := inUse() - before
		for _, c := range conns {
			c.Close()
		}
		return used / n
	}
	for _, engine := range engines {
		b.Run(string(engine), func(b *testing.B) {
			var per float64
			for range b.N {
				s := startServer(b, plaintextHandler, withEngine(engine), withH2C)
				before := inUse()
				var clients []net.Conn
				for range n {
					k := newH2RawClient(b, s.addr, "/plaintext")
					k.wait(1)
					clients = append(clients, k.nc)
				}
				time.Sleep(100 * time.Millisecond)
				used := inUse() - before
				for _, c := range clients {
					c.Close()
				}
				per = used/n - baseline()
			}
			b.ReportMetric(per, "bytes/conn")
		})
	}
}
