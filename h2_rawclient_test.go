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
