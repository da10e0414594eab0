package httpserver

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// chunkedConn is a net.Conn whose reads return in, at most chunk bytes
// at a time, then io.EOF.
type chunkedConn struct {
	net.Conn // nil: only Read is used
	in       []byte
	chunk    int
}

func (c *chunkedConn) Read(p []byte) (int, error) {
	if len(c.in) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.chunk)], c.in)
	c.in = c.in[n:]
	return n, nil
}

// record makes a TLS record of type typ with payload.
func record(typ byte, payload []byte) []byte {
	return append([]byte{typ, 3, 3, byte(len(payload) >> 8), byte(len(payload))}, payload...)
}

// readAllRecords reads h to its end in reads of 576 bytes, as crypto/tls
// does at first, and returns the stream and the length of each read.
func readAllRecords(t *testing.T, h *helloRecords) (out []byte, reads []int) {
	p := make([]byte, 576)
	for range 100000 {
		n, err := h.Read(p)
		if n > 0 {
			out = append(out, p[:n]...)
			reads = append(reads, n)
		}
		if err == io.EOF {
			return out, reads
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
	}
	t.Fatal("no end after 100000 reads")
	return nil, nil
}

// splitRecords parses a stream of whole TLS records.
func splitRecords(t *testing.T, b []byte) (types []byte, payloads [][]byte) {
	for len(b) > 0 {
		if len(b) < 5 {
			t.Fatalf("%d bytes left, not a record header", len(b))
		}
		n := int(b[3])<<8 | int(b[4])
		if len(b) < 5+n {
			t.Fatalf("record of %d bytes, %d left", n, len(b)-5)
		}
		types = append(types, b[0])
		payloads = append(payloads, b[5:5+n])
		b = b[5+n:]
	}
	return types, payloads
}

// TestHelloRecordsSplitsHandshakeRecords: the client's plaintext
// handshake records reach crypto/tls as fragments small enough for its
// first raw input buffer, each whole in one read, carrying the same
// handshake bytes; from the first record of another type on, the stream
// passes unchanged, as do records that are not split.
func TestHelloRecordsSplitsHandshakeRecords(t *testing.T) {
	hello := clientHello(t)
	if len(hello) <= 576 {
		t.Fatalf("the ClientHello is %d bytes: too small to show the split", len(hello))
	}
	_, hp := splitRecords(t, hello)
	helloPayload := hp[0]
	encrypted := record(0x17, bytes.Repeat([]byte{0xAB}, 2000)) // one record, larger than a fragment
	ccs := record(0x14, []byte{1})
	kex := record(0x16, bytes.Repeat([]byte{0x10}, 37)) // a TLS 1.2 ClientKeyExchange's size
	plainHTTP := []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	tests := []struct {
		name string
		in   []byte
		// wantSplit is the handshake payload expected split, first;
		// rest is what must follow unchanged.
		wantSplit []byte
		rest      []byte
	}{
		{"ClientHello, CCS, encrypted", concat(hello, ccs, encrypted), helloPayload, concat(ccs, encrypted)},
		{"TLS 1.2: ClientHello, ClientKeyExchange, CCS", concat(hello, kex, ccs, encrypted), concat(helloPayload, kex[5:]), concat(ccs, encrypted)},
		{"ClientHello, encrypted without CCS", concat(hello, encrypted), helloPayload, encrypted},
		{"handshake after an encrypted record passes", concat(encrypted, hello), nil, concat(encrypted, hello)},
		{"plain HTTP passes", plainHTTP, nil, plainHTTP},
		{"alert first passes", record(0x15, []byte{2, 40}), nil, record(0x15, []byte{2, 40})},
		// RFC 8446 §5.1: handshake records are never empty and hold at
		// most 2^14 bytes; crypto/tls judges such records unsplit.
		{"empty handshake record passes", concat(record(0x16, nil), encrypted), nil, concat(record(0x16, nil), encrypted)},
		{"oversized handshake record passes", record(0x16, make([]byte, 1<<14+1)), nil, record(0x16, make([]byte, 1<<14+1))},
		{"truncated header passes", hello[:3], nil, hello[:3]},
	}
	for _, tt := range tests {
		for _, chunk := range []int{1, 7, 100, 1 << 16} {
			h := &helloRecords{Conn: &chunkedConn{in: tt.in, chunk: chunk}}
			out, reads := readAllRecords(t, h)
			var split []byte
			i := 0
			for len(split) < len(tt.wantSplit) {
				if i == len(reads) {
					t.Fatalf("%s, chunks of %d: stream ended after %d of %d handshake bytes", tt.name, chunk, len(split), len(tt.wantSplit))
				}
				types, payloads := splitRecords(t, out[:reads[i]])
				if len(types) != 1 || types[0] != 0x16 || len(payloads[0]) == 0 || len(payloads[0]) > helloFragment {
					t.Fatalf("%s, chunks of %d: read %d is not one handshake fragment of 1 to %d bytes: %x", tt.name, chunk, i, helloFragment, out[:min(reads[i], 16)])
				}
				split = append(split, payloads[0]...)
				out = out[reads[i]:]
				i++
			}
			if !bytes.Equal(split, tt.wantSplit) {
				t.Errorf("%s, chunks of %d: the fragments carry other bytes than the records'", tt.name, chunk)
			}
			if !bytes.Equal(out, tt.rest) {
				t.Errorf("%s, chunks of %d: after the split, %d bytes differ from the %d sent", tt.name, chunk, len(out), len(tt.rest))
			}
		}
	}
}

func concat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }

// TestHelloRecordsKeepsPartialHeaderOverTimeout: a read that times out
// in the middle of a record header loses nothing; the next read goes on.
func TestHelloRecordsKeepsPartialHeaderOverTimeout(t *testing.T) {
	ln := mustListen(t)
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	h := &helloRecords{Conn: server}
	rec := record(0x16, bytes.Repeat([]byte{1}, 600))
	if _, err := client.Write(rec[:3]); err != nil {
		t.Fatal(err)
	}
	p := make([]byte, 576)
	server.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, err := h.Read(p); n != 0 || !os.IsTimeout(err) {
		t.Fatalf("Read before the header is whole = %d, %v; want 0 and a timeout", n, err)
	}
	if _, err := client.Write(rec[3:]); err != nil {
		t.Fatal(err)
	}
	server.SetReadDeadline(time.Now().Add(5 * time.Second))
	var got []byte
	for len(got) < 600 {
		n, err := h.Read(p)
		if err != nil {
			t.Fatalf("Read after the timeout: %v (%d payload bytes so far)", err, len(got))
		}
		_, payloads := splitRecords(t, p[:n])
		got = append(got, payloads[0]...)
	}
	if !bytes.Equal(got, rec[5:]) {
		t.Fatal("the fragments carry other bytes than the record's")
	}
}

// TestFragmentForKeepsHandshakeBufferSize: crypto/tls's handshake buffer
// (a bytes.Buffer) fed the fragments of a record ends at the capacity one
// write of the whole record would have given it, for records of up to
// 2 KiB (ClientHellos are 0.3 to 1.6 KiB), and within a third more above.
func TestFragmentForKeepsHandshakeBufferSize(t *testing.T) {
	for n := 1; n <= 1<<14; n++ {
		f := fragmentFor(n)
		if f < 1 || f > helloFragment {
			t.Fatalf("fragmentFor(%d) = %d, want 1..%d", n, f, helloFragment)
		}
		var whole, split bytes.Buffer
		whole.Write(make([]byte, n))
		for left := n; left > 0; left -= min(left, f) {
			split.Write(make([]byte, min(left, f)))
		}
		c, w := split.Cap(), whole.Cap()
		if n <= 2048 && c != w || c > w+w/3 {
			t.Fatalf("record of %d bytes in fragments of %d: handshake buffer of %d bytes, %d in one write", n, f, c, w)
		}
	}
}

// TestHelloRecordsHandshakes: clients of each kind shake hands and are
// served over the split hello records on every engine: TLS 1.2 (whose
// ClientKeyExchange is split too), TLS 1.3 with Go's default hello (an
// ML-KEM key share, split into several records) and with X25519 only.
func TestHelloRecordsHandshakes(t *testing.T) {
	clients := []struct {
		name    string
		version uint16
		curves  []tls.CurveID
	}{
		{"TLS 1.2", tls.VersionTLS12, nil},
		{"TLS 1.3, X25519MLKEM768", tls.VersionTLS13, nil},
		{"TLS 1.3, X25519 only", tls.VersionTLS13, []tls.CurveID{tls.X25519}},
	}
	forEachEngine(t, func(t *testing.T, _ func(Handler, ...func(*Server)) *testServer) {
		engine := Engine(t.Name()[strings.LastIndexByte(t.Name(), '/')+1:])
		s, tc := startTLSServer(t, tlsStateHandler, withEngine(engine))
		for _, cl := range clients {
			client := newTLSClient(t, tc, false)
			cfg := client.Transport.(*http.Transport).TLSClientConfig
			cfg.MinVersion, cfg.MaxVersion, cfg.CurvePreferences = cl.version, cl.version, cl.curves
			_, port, _ := net.SplitHostPort(s.addr)
			res, err := client.Get("https://localhost:" + port + "/")
			if err != nil {
				t.Fatalf("%s: %v", cl.name, err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			want := fmt.Sprintf("version=%x server_name=localhost alpn=http/1.1 proto=HTTP/1.1", cl.version)
			if string(body) != want {
				t.Errorf("%s: %q, want %q", cl.name, body, want)
			}
		}
	})
}
