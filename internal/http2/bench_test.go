package http2

import (
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/rawsock/httpserver/internal/http2/hpack"
)

var benchBody = []byte("hello, world\n")

var benchHandler = HandlerFunc(func(s *Stream) {
	s.WriteHeaders(200, benchFields, false)
	s.Write(benchBody)
})

var benchFields = []hpack.HeaderField{{Name: "content-type", Value: "text/plain"}, {Name: "content-length", Value: "13"}}

// streamLoad serves benchHandler on a loopback connection and returns a
// function that runs n GET streams, up to 32 in flight, and waits for
// their responses. The client pre-encodes its requests and only frames the
// responses, so allocations measured around it are the server's.
func streamLoad(tb testing.TB) func(n int) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	snc, err := l.Accept()
	if err != nil {
		tb.Fatal(err)
	}
	sc := NewServerConn(snc, nil, benchHandler)
	done := make(chan error, 1)
	go func() { done <- sc.Serve(ServeOptions{}) }()
	tb.Cleanup(func() { nc.Close(); sc.Close(); <-done })

	enc := hpack.NewEncoder()
	fields := []hpack.HeaderField{{Name: ":method", Value: "GET"}, {Name: ":scheme", Value: "http"}, {Name: ":authority", Value: "bench"}, {Name: ":path", Value: "/"}}
	first := enc.AppendBlock(nil, fields...) // fills the dynamic table
	block := enc.AppendBlock(nil, fields...) // all indexes: valid again and again
	nc.Write([]byte(ClientPreface))
	nc.Write(AppendSettings(nil))
	nc.Write(AppendWindowUpdate(nil, 0, 1<<30))
	fr := NewFrameReader(nc, maxMaxFrameSize)
	wait := func(n int) {
		for n > 0 {
			f, err := fr.ReadFrame()
			if err != nil {
				tb.Fatal(err)
			}
			if f.Type == FrameData && f.Flags.Has(FlagEndStream) {
				n--
			}
		}
	}
	nc.Write(AppendHeaders(nil, 1, true, first, minMaxFrameSize))
	wait(1)
	id := uint32(3)
	const inFlight = 32
	out := make([]byte, 0, inFlight*64)
	return func(total int) {
		for i := 0; i < total; i += inFlight {
			n := min(inFlight, total-i)
			out = out[:0]
			for j := 0; j < n; j++ {
				out = AppendHeaders(out, id, true, block, minMaxFrameSize)
				id += 2
			}
			nc.Write(out)
			wait(n)
		}
	}
}

// BenchmarkServerStreams measures one GET stream (HEADERS in, HEADERS and
// a 13-octet DATA out) on a loopback connection, 32 streams in flight.
func BenchmarkServerStreams(b *testing.B) {
	run := streamLoad(b)
	b.ReportAllocs()
	b.ResetTimer()
	run(b.N)
}

// BenchmarkIdleConnMemory reports the heap and stack an idle connection
// costs the server after its handshake (preface, SETTINGS both ways, one
// request served), as bytes/conn; the client side's share is subtracted by
// measuring the same clients against a plain echo of nothing.
func BenchmarkIdleConnMemory(b *testing.B) {
	const n = 200
	measure := func(serve bool) float64 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		defer l.Close()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		var clients, servers []net.Conn
		var conns []*ServerConn
		done := make(chan error, n)
		for i := 0; i < n; i++ {
			nc, err := net.Dial("tcp", l.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			snc, _ := l.Accept()
			clients, servers = append(clients, nc), append(servers, snc)
			if serve {
				sc := NewServerConn(snc, nil, benchHandler)
				conns = append(conns, sc)
				go func() { done <- sc.Serve(ServeOptions{}) }()
				enc := hpack.NewEncoder()
				nc.Write([]byte(ClientPreface))
				nc.Write(AppendSettings(nil))
				nc.Write(AppendSettingsAck(nil))
				nc.Write(AppendHeaders(nil, 1, true, enc.AppendBlock(nil, hf(":method", "GET", ":scheme", "http", ":path", "/")...), minMaxFrameSize))
				fr := NewFrameReader(nc, maxMaxFrameSize)
				for {
					f, err := fr.ReadFrame()
					if err != nil {
						b.Fatal(err)
					}
					if f.Type == FrameData && f.Flags.Has(FlagEndStream) {
						break
					}
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
		runtime.GC()
		runtime.ReadMemStats(&after)
		used := float64(after.HeapInuse+after.StackInuse) - float64(before.HeapInuse+before.StackInuse)
		for _, c := range clients {
			c.Close()
		}
		for _, c := range conns {
			c.Close()
			<-done
		}
		for _, c := range servers {
			c.Close()
		}
		return used / n
	}
	var per float64
	for i := 0; i < b.N; i++ {
		per = measure(true) - measure(false)
	}
	b.ReportMetric(per, "bytes/conn")
}
