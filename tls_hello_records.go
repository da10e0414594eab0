package httpserver

import (
	"io"
	"net"
	"os"
)

// helloRecords is the transport under a server's tls.Conn: it hands the
// client's plaintext handshake records (its ClientHello, and in TLS 1.2
// its ClientKeyExchange) to crypto/tls split into smaller records, then,
// from the first record of another type (a ChangeCipherSpec, an alert, or
// any encrypted record), passes every byte through as it came.
//
// Why: crypto/tls keeps two buffers per connection for its life, each
// with the capacity the largest input grew it to: the raw input, which
// holds a record whole, and the handshake buffer, which holds a handshake
// message whole. A ClientHello with an X25519MLKEM768 key share is about
// 1.5 KiB; read as one record it leaves a 2 KiB raw input buffer behind,
// held by every idle connection. Split into fragments of at most
// helloFragment bytes, each handed on whole, the raw input buffer keeps
// its first size (576 bytes); and the fragments are sized so that the
// handshake buffer, which doubles as they arrive, ends at the size one
// record would have given it (see fragmentFor).
//
// The handshake messages crypto/tls reassembles from the fragments are the
// client's bytes: RFC 8446 §5.1 and RFC 5246 §6.2.1 let a handshake
// message span records, and the transcript covers messages, not records.
// Nothing is decrypted or kept here but the 5-byte header of the record
// being split. Records this does not split (another type, or a length of
// zero or over the 2^14 bytes a plaintext record may hold, RFC 8446 §5.1)
// go to crypto/tls unchanged, and it judges them as it would have.
type helloRecords struct {
	net.Conn
	hdr     [recordHeaderLen]byte // the client's record header being split or handed on
	hn      uint8                 // bytes of hdr read from the socket
	hpos    uint8                 // bytes of hdr handed on (passing through)
	left    uint16                // payload bytes of the client's record not yet handed on
	frag    uint16                // most payload bytes of a fragment of this record
	through bool                  // past the plaintext handshake records
}

const (
	recordHeaderLen     = 5    // RFC 8446 §5.1: type, legacy version, length
	recordTypeHandshake = 0x16 // RFC 8446 §5.1: ContentType handshake(22)
	maxPlaintextRecord  = 1 << 14
	// helloFragment is the most payload a fragment carries: with its
	// header it fits the 576 bytes crypto/tls first gives its raw input
	// buffer (bytes.Buffer.Grow of 5+bytes.MinRead, rounded up to Go's
	// size class).
	helloFragment = 512
)

// NetConn returns the connection under the splitter, as tls.Conn's does,
// so that code looking for the socket (hasPendingInput) finds it.
func (h *helloRecords) NetConn() net.Conn { return h.Conn }

// Read implements net.Conn.
func (h *helloRecords) Read(p []byte) (int, error) {
	if h.through && h.hpos == h.hn {
		return h.Conn.Read(p)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if h.through { // the rest of a header read before passing through
		n := copy(p, h.hdr[h.hpos:h.hn])
		h.hpos += uint8(n)
		return n, nil
	}
	if h.left == 0 {
		if err := h.readHeader(); err != nil {
			if h.through { // the bytes read go on; the error comes next
				return h.Read(p)
			}
			return 0, err
		}
		if h.through {
			return h.Read(p)
		}
	}
	if len(p) <= recordHeaderLen {
		return 0, io.ErrShortBuffer // crypto/tls reads into bytes.MinRead bytes or more
	}
	payload := p[recordHeaderLen:min(len(p), recordHeaderLen+int(min(h.left, h.frag)))]
	n, err := h.Conn.Read(payload)
	if n == 0 {
		return 0, err
	}
	h.left -= uint16(n)
	copy(p, h.hdr[:3])
	p[3], p[4] = byte(n>>8), byte(n)
	return recordHeaderLen + n, err
}

// readHeader reads the header of the client's next record, and decides:
// a handshake record of 1 to 2^14 bytes is split (left is its length);
// anything else passes through from its first byte. The first byte is
// read alone, so that a record of another type (a ChangeCipherSpec, or
// plain HTTP sent to the TLS port) costs one byte here and crypto/tls
// then reads the rest itself, as much as it would have. A read error with
// part of a header read keeps it for the next call, unless the connection
// is at its end (not a timeout), when the part is handed on so that
// crypto/tls sees the same bytes and the same error.
func (h *helloRecords) readHeader() error {
	for h.hn < recordHeaderLen {
		want := h.hdr[h.hn:]
		if h.hn == 0 {
			want = want[:1]
		}
		n, err := h.Conn.Read(want)
		h.hn += uint8(n)
		if n == 0 && err == nil {
			err = io.ErrNoProgress
		}
		if h.hdr[0] != recordTypeHandshake && h.hn > 0 {
			h.through = true
			return nil
		}
		if err != nil && h.hn < recordHeaderLen {
			if h.hn > 0 && !os.IsTimeout(err) {
				h.through = true
			}
			return err
		}
	}
	length := int(h.hdr[3])<<8 | int(h.hdr[4])
	if length == 0 || length > maxPlaintextRecord {
		h.through = true
		return nil
	}
	h.left, h.frag, h.hn = uint16(length), uint16(fragmentFor(length)), 0
	return nil
}

// fragmentFor returns the most payload a fragment of a handshake record
// of length n carries: n halved (rounding up) until it is at most
// helloFragment. crypto/tls's handshake buffer (a bytes.Buffer) takes the
// first fragment's size, then doubles whenever the next fragment, never
// larger than the first, does not fit: after the last fragment it has
// the capacity a single write of n bytes would have given it, for records
// of up to 2 KiB (ClientHellos are 0.3 to 1.6 KiB), and at most a third
// more above; fixed-size fragments could leave up to twice as much.
func fragmentFor(n int) int {
	for n > helloFragment {
		n = (n + 1) / 2
	}
	return n
}
