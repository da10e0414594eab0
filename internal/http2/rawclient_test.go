package http2

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver/internal/http2/hpack"
)

// rawClient speaks HTTP/2 frame by frame to a ServerConn over loopback TCP,
// so tests can send what a well-behaved client never would.
type rawClient struct {
	t     testing.TB
	nc    net.Conn
	fr    *FrameReader
	enc   *hpack.Encoder
	dec   *hpack.Decoder
	done  chan error // Serve's result
	sc    *ServerConn
	stash []event
}

// startRaw serves one loopback connection with h and returns a client that
// already sent the preface and an empty SETTINGS frame.
func startRaw(t testing.TB, cfg *Config, h Handler) *rawClient {
	t.Helper()
	return startRawWith(t, cfg, h, true)
}

// startRawWith is startRaw that sends the preface and SETTINGS only when
// preface is true.
func startRawWith(t testing.TB, cfg *Config, h Handler, preface bool) *rawClient {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	snc, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	rc := &rawClient{t: t, nc: nc, enc: newClientEncoder(), dec: newClientDecoder(), done: make(chan error, 1)}
	// The client reads server frames: allow any size the server may send.
	rc.fr = NewFrameReader(nc, maxMaxFrameSize)
	rc.sc = NewServerConn(snc, cfg, h)
	go func() { rc.done <- rc.sc.Serve(ServeOptions{}) }()
	t.Cleanup(func() {
		nc.Close()
		rc.sc.Close()
		select {
		case <-rc.done:
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return")
		}
	})
	if preface {
		rc.write([]byte(ClientPreface))
		rc.write(AppendSettings(nil))
	}
	return rc
}

func (rc *rawClient) write(b []byte) {
	rc.t.Helper()
	rc.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := rc.nc.Write(b); err != nil {
		rc.t.Fatalf("write: %v", err)
	}
}

// readFrame returns the next frame from the server, failing after 5 s.
func (rc *rawClient) readFrame() (*Frame, error) {
	rc.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	return rc.fr.ReadFrame()
}

// headersBlock encodes a GET (or method) request for path plus extra fields.
func (rc *rawClient) requestBlock(method, path string, extra ...string) []byte {
	fields := []hpack.HeaderField{
		{Name: ":method", Value: method}, {Name: ":scheme", Value: "http"},
		{Name: ":authority", Value: "example.test"}, {Name: ":path", Value: path},
	}
	for i := 0; i+1 < len(extra); i += 2 {
		fields = append(fields, hpack.HeaderField{Name: extra[i], Value: extra[i+1]})
	}
	return rc.enc.AppendBlock(nil, fields...)
}

func (rc *rawClient) request(id uint32, method, path string, endStream bool, extra ...string) {
	rc.write(AppendHeaders(nil, id, endStream, rc.requestBlock(method, path, extra...), minMaxFrameSize))
}

// event is what the client saw, simplified for comparisons.
type event struct {
	typ    FrameType
	stream uint32
	code   ErrCode
	status string
	data   string
	end    bool
}

// until reads frames until one matches want (by type and stream), skipping
// SETTINGS, WINDOW_UPDATE and PING frames; it returns the matching frame.
// A closed connection returns an event of type 0xff.
func (rc *rawClient) until(typ FrameType, stream uint32) event {
	rc.t.Helper()
	for i := 0; i < 10000; i++ {
		f, err := rc.readFrame()
		if err != nil {
			var ce ConnError
			if errors.As(err, &ce) {
				rc.t.Fatalf("client: %v", err)
			}
			return event{typ: 0xff}
		}
		ev := event{typ: f.Type, stream: f.StreamID, code: f.ErrCode, end: f.Flags.Has(FlagEndStream)}
		switch f.Type {
		case FrameHeaders:
			fs, err := rc.dec.DecodeAppend(nil, f.Data)
			if err != nil {
				rc.t.Fatalf("client decode: %v", err)
			}
			for _, hf := range fs {
				if hf.Name == ":status" {
					ev.status = strings.Clone(hf.Value) // the decoder reuses its buffer
				}
			}
		case FrameData:
			ev.data = string(f.Data)
		}
		if f.Type == typ && (stream == anyStream || f.StreamID == stream) {
			return ev
		}
	}
	rc.t.Fatal("no matching frame in 10000")
	return event{}
}

const anyStream = ^uint32(0)

// expectGoAway reads until a GOAWAY and checks its code.
func (rc *rawClient) expectGoAway(code ErrCode) {
	rc.t.Helper()
	ev := rc.until(FrameGoAway, 0)
	if ev.typ != FrameGoAway || ev.code != code {
		rc.t.Fatalf("got %v %v, want GOAWAY %v", ev.typ, ev.code, code)
	}
}

// expectReset reads until an RST_STREAM on stream and checks its code.
func (rc *rawClient) expectReset(stream uint32, code ErrCode) {
	rc.t.Helper()
	ev := rc.until(FrameRSTStream, stream)
	if ev.typ != FrameRSTStream || ev.code != code {
		rc.t.Fatalf("got %v %v, want RST_STREAM %v on stream %d", ev.typ, ev.code, code, stream)
	}
}

// next returns the next frame from the server as an event (HEADERS
// decoded in arrival order), from the stash first.
func (rc *rawClient) next() (event, bool) {
	f, err := rc.readFrame()
	if err != nil {
		return event{typ: 0xff}, false
	}
	ev := event{typ: f.Type, stream: f.StreamID, code: f.ErrCode, end: f.Flags.Has(FlagEndStream)}
	switch f.Type {
	case FrameHeaders:
		fs, err := rc.dec.DecodeAppend(nil, f.Data)
		if err != nil {
			rc.t.Fatal(err)
		}
		for _, hf := range fs {
			if hf.Name == ":status" {
				ev.status = strings.Clone(hf.Value) // the decoder reuses its buffer
			}
		}
	case FrameData:
		ev.data = string(f.Data)
	}
	return ev, true
}

// response reads the response of stream: status and body until END_STREAM.
// Frames of other streams are stashed for their own response call.
func (rc *rawClient) response(stream uint32) (status, body string) {
	rc.t.Helper()
	for i := 0; i < 100000; i++ {
		var ev event
		if j := rc.stashed(stream); j >= 0 {
			ev = rc.stash[j]
			rc.stash = append(rc.stash[:j], rc.stash[j+1:]...)
		} else {
			var ok bool
			if ev, ok = rc.next(); !ok {
				rc.t.Fatalf("connection ended reading the response of %d", stream)
			}
			if ev.stream != stream {
				if ev.stream != 0 {
					rc.stash = append(rc.stash, ev)
				}
				continue
			}
		}
		switch ev.typ {
		case FrameHeaders:
			if ev.status != "" {
				status = ev.status
			}
		case FrameData:
			body += ev.data
		case FrameRSTStream:
			rc.t.Fatalf("stream %d reset: %v", stream, ev.code)
		}
		if ev.end && (ev.typ == FrameData || ev.typ == FrameHeaders) {
			return status, body
		}
	}
	rc.t.Fatal("response too long")
	return
}

func (rc *rawClient) stashed(stream uint32) int {
	for i, ev := range rc.stash {
		if ev.stream == stream {
			return i
		}
	}
	return -1
}

// helloHandler answers "hello <path>" after reading the body.
var helloHandler = HandlerFunc(func(s *Stream) {
	var buf [512]byte
	n := 0
	for {
		m, err := s.Read(buf[:])
		n += m
		if err != nil {
			break
		}
	}
	s.WriteHeaders(200, []hpack.HeaderField{{Name: "x-body-len", Value: strconv.Itoa(n)}}, false)
	s.Write([]byte("hello " + s.Pseudo().Path))
})

func newClientEncoder() *hpack.Encoder { return hpack.NewEncoder() }
func newClientDecoder() *hpack.Decoder { return hpack.NewDecoder(4096) }
