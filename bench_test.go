package httpserver

import (
	"bytes"
	"io"
	"net"
	"strconv"
	"testing"
)

// plaintextHandler is the TechEmpower plaintext handler.
var plaintextHandler = HandlerFunc(func(w ResponseWriter, r *Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.WriteString("Hello, World!")
})

const plaintextRequest = "GET /plaintext HTTP/1.1\r\nHost: localhost\r\nUser-Agent: bench\r\nAccept: text/plain\r\nConnection: keep-alive\r\n\r\n"

// keepAliveClient sends fixed requests on one connection and reads the
// fixed-size responses without allocating, so that allocation counts
// measure the server alone.
type keepAliveClient struct {
	c        net.Conn
	req      []byte
	buf      []byte
	respSize int
}

func newKeepAliveClient(tb testing.TB, addr string, req string, pipeline int) *keepAliveClient {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	k := &keepAliveClient{c: c, req: bytes.Repeat([]byte(req), pipeline), buf: make([]byte, 64<<10)}
	// Learn the response size from the first exchange.
	if _, err := c.Write([]byte(req)); err != nil {
		tb.Fatal(err)
	}
	n := 0
	for {
		m, err := c.Read(k.buf[n:])
		if err != nil {
			tb.Fatal(err)
		}
		n += m
		if i := bytes.Index(k.buf[:n], []byte("\r\n\r\n")); i >= 0 {
			cl := bytes.Index(k.buf[:i], []byte("Content-Length: "))
			if cl < 0 {
				// A chunked response: it ends with the last chunk.
				if end := bytes.Index(k.buf[i:n], []byte("\r\n0\r\n\r\n")); end >= 0 {
					k.respSize = i + end + 7
					break
				}
				continue
			}
			end := bytes.IndexByte(k.buf[cl:], '\r') + cl
			length, _ := strconv.Atoi(string(k.buf[cl+len("Content-Length: ") : end]))
			k.respSize = i + 4 + length
			if n >= k.respSize {
				break
			}
		}
	}
	if k.respSize*pipeline > len(k.buf) {
		tb.Fatal("responses do not fit the client buffer")
	}
	return k
}

// roundTrip sends the request batch and reads all its responses.
func (k *keepAliveClient) roundTrip(tb testing.TB, pipeline int) {
	if _, err := k.c.Write(k.req); err != nil {
		tb.Fatal(err)
	}
	if _, err := io.ReadFull(k.c, k.buf[:k.respSize*pipeline]); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkPlaintextKeepAlive measures one request at a time over a real
// loopback keep-alive connection: parse, handler, response.
func BenchmarkPlaintextKeepAlive(b *testing.B) {
	for _, engine := range engines {
		b.Run(string(engine), func(b *testing.B) {
			s := startServer(b, plaintextHandler, withEngine(engine))
			k := newKeepAliveClient(b, s.addr, plaintextRequest, 1)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				k.roundTrip(b, 1)
			}
		})
	}
}

// BenchmarkPlaintextPipelined sends 16 requests per write.
func BenchmarkPlaintextPipelined(b *testing.B) {
	for _, engine := range engines {
		b.Run(string(engine), func(b *testing.B) {
			s := startServer(b, plaintextHandler, withEngine(engine))
			k := newKeepAliveClient(b, s.addr, plaintextRequest, 16)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i += 16 {
				k.roundTrip(b, 16)
			}
		})
	}
}

// BenchmarkParseHead measures the head scanner and parser alone.
func BenchmarkParseHead(b *testing.B) {
	head := []byte(plaintextRequest)
	lim, _ := DefaultLimits().withDefaults()
	var r Request
	b.ReportAllocs()
	b.SetBytes(int64(len(head)))
	for i := 0; i < b.N; i++ {
		var s headScanner
		if n, err := s.scan(head, &lim); err != nil || n != len(head) {
			b.Fatal(n, err)
		}
		r.reset()
		if err := parseHead(head, &r); err != nil {
			b.Fatal(err)
		}
		if _, err := analyzeHead(&r); err != nil {
			b.Fatal(err)
		}
	}
}
