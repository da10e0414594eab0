package soak

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net"
	"strconv"
	"time"

	"github.com/rawsock/httpserver/internal/http2"
	"github.com/rawsock/httpserver/internal/http2/hpack"
)

// h2Streams is how many streams an HTTP/2 connection carries before the
// client says GOAWAY and a new connection opens.
const h2Streams = 500

// h2 sends requests over HTTP/2 with prior knowledge (h2c, RFC 9113 §3.3),
// one stream at a time: GET /small.txt and POST /api/echo with bodies of
// up to 16 KiB (within the initial flow-control window).
func h2(ctx context.Context, t *traffic, rng *rand.Rand, tick func() bool) {
	var c *h2Conn
	defer func() {
		if c != nil {
			c.nc.Close()
		}
	}()
	for i := 0; i < maxOps && tick(); i++ {
		if c == nil {
			var err error
			if c, err = h2Dial(t.addr); err != nil {
				t.record("h2", err)
				continue
			}
		}
		var err error
		if i%2 == 0 {
			var body []byte
			body, err = c.do("GET", "/small.txt", nil, 200)
			if err == nil && len(body) != files[0].size {
				err = checkErr("length %d (want %d)", len(body), files[0].size)
			}
		} else {
			n := echoSizes[rng.IntN(len(echoSizes)-1)] // up to 16 KiB
			var body []byte
			body, err = c.do("POST", "/api/echo", bytes.Repeat([]byte{'h'}, n), 200)
			if err == nil && !containsLength(body, n) {
				err = checkErr("echo body_length (want %d)", n)
			}
		}
		if err == nil && c.next > 2*h2Streams {
			c.nc.SetDeadline(time.Now().Add(opTimeout))
			_, err = c.nc.Write(http2.AppendGoAway(nil, 0, http2.ErrCodeNo, nil))
			c.nc.Close()
			c = nil
		}
		if err != nil && c != nil {
			c.nc.Close()
			c = nil
		}
		t.record("h2", err)
	}
}

// h2Conn is one client connection.
type h2Conn struct {
	nc   net.Conn
	fr   *http2.FrameReader
	enc  *hpack.Encoder
	dec  *hpack.Decoder
	next uint32 // next stream identifier
	out  []byte
}

// h2Dial connects and sends the preface with empty SETTINGS.
func h2Dial(addr string) (*h2Conn, error) {
	nc, err := net.DialTimeout("tcp", addr, opTimeout)
	if err != nil {
		return nil, err
	}
	nc.SetDeadline(time.Now().Add(opTimeout))
	c := &h2Conn{nc: nc, fr: http2.NewFrameReader(nc, 0), enc: hpack.NewEncoder(), dec: hpack.NewDecoder(4096), next: 1}
	b := append([]byte(http2.ClientPreface), http2.AppendSettings(nil)...)
	if _, err := nc.Write(b); err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

// do sends one request on a new stream and returns the response body,
// checking the status.
func (c *h2Conn) do(method, path string, body []byte, status int) ([]byte, error) {
	c.nc.SetDeadline(time.Now().Add(opTimeout))
	id := c.next
	c.next += 2
	fields := []hpack.HeaderField{
		{Name: ":method", Value: method},
		{Name: ":scheme", Value: "http"},
		{Name: ":authority", Value: "soak"},
		{Name: ":path", Value: path},
	}
	if body != nil {
		fields = append(fields, hpack.HeaderField{Name: "content-length", Value: strconv.Itoa(len(body))})
	}
	block := c.enc.AppendBlock(nil, fields...)
	c.out = http2.AppendHeaders(c.out[:0], id, body == nil, block, 1<<14)
	if body != nil {
		c.out = http2.AppendData(c.out, id, true, body)
	}
	if _, err := c.nc.Write(c.out); err != nil {
		return nil, err
	}
	got, resBody := 0, []byte(nil)
	for range 10000 {
		f, err := c.fr.ReadFrame()
		if err != nil {
			return nil, err
		}
		c.out = c.out[:0]
		switch f.Type {
		case http2.FrameSettings:
			if !f.Flags.Has(http2.FlagAck) {
				c.out = http2.AppendSettingsAck(c.out)
			}
		case http2.FramePing:
			if !f.Flags.Has(http2.FlagAck) {
				c.out = http2.AppendPing(c.out, true, f.PingData)
			}
		case http2.FrameGoAway:
			return nil, checkErr("h2 GOAWAY %v", f.ErrCode)
		case http2.FrameRSTStream:
			if f.StreamID == id {
				return nil, checkErr("h2 RST_STREAM %v", f.ErrCode)
			}
		case http2.FrameHeaders, http2.FrameContinuation:
			if f.StreamID != id {
				break
			}
			err := c.dec.Decode(f.Data, func(hf hpack.HeaderField) error {
				if hf.Name == ":status" {
					got, _ = strconv.Atoi(hf.Value)
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
		case http2.FrameData:
			if f.StreamID == id {
				resBody = append(resBody, f.Data...)
			}
			if f.FlowLen > 0 {
				c.out = http2.AppendWindowUpdate(c.out, 0, f.FlowLen)
				if !f.Flags.Has(http2.FlagEndStream) {
					c.out = http2.AppendWindowUpdate(c.out, f.StreamID, f.FlowLen)
				}
			}
		}
		if len(c.out) > 0 {
			if _, err := c.nc.Write(c.out); err != nil {
				return nil, err
			}
		}
		if (f.Type == http2.FrameHeaders || f.Type == http2.FrameData) && f.StreamID == id && f.Flags.Has(http2.FlagEndStream) {
			if got != status {
				return nil, checkErr("status %d (want %d)", got, status)
			}
			return resBody, nil
		}
	}
	return nil, checkErr("h2: no end of stream in 10000 frames")
}
