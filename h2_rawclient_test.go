package httpserver

import (
	"net"
	"testing"
	"time"

	"github.com/rawsock/httpserver/internal/http2"
	"github.com/rawsock/httpserver/internal/http2/hpack"
)

// h2RawClient speaks HTTP/2 with prior knowledge frame by frame, with
// internal/http2's frame codec: for tests that need exact bytes or no
// allocations on the client side.
type h2RawClient struct {
	t     testing.TB
	nc    net.Conn
	fr    *http2.FrameReader
	block []byte // an encoded request field block, valid for every stream
	out   []byte
	id    uint32
}

// newH2RawClient connects to addr, sends the preface (in the pieces
// given, to split it where the test wants) and SETTINGS, opens the
// connection window, and encodes one GET of path.
func newH2RawClient(t testing.TB, addr, path string, prefacePieces ...string) *h2RawClient {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return newH2RawClientOn(t, nc, path, prefacePieces...)
}

// newH2RawClientOn is newH2RawClient on a connection made by the caller
// (a TLS one that negotiated "h2", for instance).
func newH2RawClientOn(t testing.TB, nc net.Conn, path string, prefacePieces ...string) *h2RawClient {
	t.Helper()
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	if len(prefacePieces) == 0 {
		prefacePieces = []string{http2.ClientPreface}
	}
	for _, p := range prefacePieces {
		if _, err := nc.Write([]byte(p)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	nc.Write(http2.AppendSettings(nil))
	nc.Write(http2.AppendWindowUpdate(nil, 0, 1<<30))
	enc := hpack.NewEncoder()
	fields := []hpack.HeaderField{{Name: ":method", Value: "GET"}, {Name: ":scheme", Value: "http"}, {Name: ":authority", Value: "h2test"}, {Name: ":path", Value: path}}
	first := enc.AppendBlock(nil, fields...) // fills the dynamic table
	k := &h2RawClient{t: t, nc: nc, fr: http2.NewFrameReader(nc, 1<<24), id: 1}
	k.send(first, 1)
	k.block = enc.AppendBlock(nil, fields...) // only indexes: valid again and again
	return k
}

// send opens n streams with block.
func (k *h2RawClient) send(block []byte, n int) {
	k.out = k.out[:0]
	for range n {
		k.out = http2.AppendHeaders(k.out, k.id, true, block, 16384)
		k.id += 2
	}
	if _, err := k.nc.Write(k.out); err != nil {
		k.t.Fatal(err)
	}
}

// wait reads frames until n responses ended, and returns their DATA bytes
// and the response field blocks' count.
func (k *h2RawClient) wait(n int) (data, heads int) {
	for n > 0 {
		f, err := k.fr.ReadFrame()
		if err != nil {
			k.t.Fatal(err)
		}
		switch f.Type {
		case http2.FrameData:
			data += len(f.Data)
		case http2.FrameHeaders:
			heads++
		case http2.FrameRSTStream, http2.FrameGoAway:
			k.t.Fatalf("got %v (%v)", f.Type, f.ErrCode)
		}
		if (f.Type == http2.FrameData || f.Type == http2.FrameHeaders) && f.Flags.Has(http2.FlagEndStream) {
			n--
		}
	}
	return data, heads
}

// roundTrips runs total streams, 32 at a time.
func (k *h2RawClient) roundTrips(total int) {
	for i := 0; i < total; i += 32 {
		n := min(32, total-i)
		k.send(k.block, n)
		k.wait(n)
	}
}

// h2FrameSeen is what a test keeps of a frame the server sent.
type h2FrameSeen struct {
	typ       http2.FrameType
	stream    uint32
	flags     http2.Flags
	code      http2.ErrCode
	lastID    uint32 // of a GOAWAY
	data      int    // DATA bytes
	endStream bool
}

// readUntilEOF reads the frames the server sends until it closes the
// connection, and returns them; it fails the test if the connection is
// still open when its deadline passes.
func (k *h2RawClient) readUntilEOF() []h2FrameSeen {
	k.t.Helper()
	var seen []h2FrameSeen
	for {
		f, err := k.fr.ReadFrame()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				k.t.Fatalf("connection still open after %d frames", len(seen))
			}
			return seen
		}
		seen = append(seen, h2FrameSeen{typ: f.Type, stream: f.StreamID, flags: f.Flags, code: f.ErrCode, lastID: f.LastStreamID,
			data: len(f.Data), endStream: f.Flags.Has(http2.FlagEndStream)})
	}
}
