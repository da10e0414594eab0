package h2test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/rawsock/httpserver/internal/http2"
	"github.com/rawsock/httpserver/internal/http2/hpack"
)

// Tunnel is the client side of one HTTP/2 extended CONNECT (RFC 8441)
// stream on a connection of its own, as a net.Conn: Write sends DATA
// frames within the server's flow-control windows, Read returns the DATA
// received, io.EOF after END_STREAM. It is written for the tests of
// tunnels (WebSocket over HTTP/2) with internal/http2's frame codec and
// shares nothing else with the server.
type Tunnel struct {
	nc net.Conn
	// Settings are the SETTINGS the server sent first.
	Settings []http2.Setting
	// Status is the response's :status; Header its regular fields.
	Status int
	Header []hpack.HeaderField

	wmu sync.Mutex // one frame on the connection at a time

	mu       sync.Mutex
	cond     *sync.Cond
	in       []byte
	endIn    bool // END_STREAM received
	reset    bool // RST_STREAM received
	resetErr http2.ErrCode
	connErr  error // the connection failed or sent GOAWAY
	sendWin  int64 // stream send window
	connWin  int64
	peerInit int64 // the server's SETTINGS_INITIAL_WINDOW_SIZE
	maxFrame uint32
	deadline time.Time
	windowed bool // Read gives the stream window back (TunnelRequest.Window)
	timer    *time.Timer
	events   []string // "END_STREAM", "RST_STREAM CANCEL", ... in order
	headers  chan struct{}
	done     chan struct{} // the frame loop ended
}

// tunnelStream is the stream a Tunnel opens: the first client stream.
const tunnelStream = 1

// ErrNoConnectProtocol is returned by DialTunnel when the server did not
// send SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 and the caller asked to check.
var ErrNoConnectProtocol = errors.New("h2test: server did not enable extended CONNECT")

// TunnelRequest describes the extended CONNECT request of DialTunnel.
type TunnelRequest struct {
	Authority, Path, Protocol string
	Scheme                    string // "http" when empty
	// Fields are the regular fields, names lowercase.
	Fields []hpack.HeaderField
	// Pseudo replaces the pseudo-header fields entirely when not nil, to
	// send malformed requests.
	Pseudo []hpack.HeaderField
	// IgnoreSettings sends the request even without
	// SETTINGS_ENABLE_CONNECT_PROTOCOL from the server.
	IgnoreSettings bool
	// Window, when not zero, is the stream's receive window
	// (SETTINGS_INITIAL_WINDOW_SIZE): the server may send that much
	// before Read hands bytes to the test, which gives them back. Zero
	// means 1 GiB.
	Window uint32
}

// DialTunnel speaks HTTP/2 on nc (prior knowledge, or after a TLS
// handshake that chose "h2"), waits for the server's SETTINGS as RFC 8441
// §3 asks, sends the extended CONNECT request and returns once the
// response head arrived, or the stream was reset before it (Status 0;
// Events says how). The Tunnel owns nc.
func DialTunnel(nc net.Conn, req TunnelRequest) (*Tunnel, error) {
	t := &Tunnel{nc: nc, sendWin: 65535, connWin: 65535, peerInit: 65535, maxFrame: 16384,
		headers: make(chan struct{}), done: make(chan struct{})}
	t.cond = sync.NewCond(&t.mu)
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	window := req.Window
	if window == 0 {
		window = 1 << 30
	}
	t.windowed = req.Window != 0
	out := []byte(http2.ClientPreface)
	out = http2.AppendSettings(out, http2.Setting{ID: http2.SettingInitialWindowSize, Val: window})
	out = http2.AppendWindowUpdate(out, 0, 1<<30)
	if _, err := nc.Write(out); err != nil {
		nc.Close()
		return nil, err
	}
	fr := http2.NewFrameReader(nc, 1<<24)
	f, err := fr.ReadFrame()
	if err != nil || f.Type != http2.FrameSettings || f.Flags.Has(http2.FlagAck) {
		nc.Close()
		return nil, fmt.Errorf("h2test: want the server's SETTINGS first: %v", err)
	}
	connect := false
	for i := range f.NumSettings() {
		s := f.Setting(i)
		t.Settings = append(t.Settings, s)
		t.applySetting(s)
		if s.ID == http2.SettingEnableConnectProtocol && s.Val == 1 {
			connect = true
		}
	}
	if !connect && !req.IgnoreSettings {
		nc.Close()
		return nil, ErrNoConnectProtocol
	}
	if req.Scheme == "" {
		req.Scheme = "http"
	}
	fields := req.Pseudo
	if fields == nil {
		fields = []hpack.HeaderField{{Name: ":method", Value: "CONNECT"}, {Name: ":protocol", Value: req.Protocol},
			{Name: ":scheme", Value: req.Scheme}, {Name: ":path", Value: req.Path}, {Name: ":authority", Value: req.Authority}}
	}
	fields = append(fields, req.Fields...)
	out = http2.AppendSettingsAck(out[:0])
	out = http2.AppendHeaders(out, tunnelStream, false, hpack.NewEncoder().AppendBlock(nil, fields...), 16384)
	if _, err := nc.Write(out); err != nil {
		nc.Close()
		return nil, err
	}
	nc.SetDeadline(time.Time{})
	go t.loop(fr)
	select {
	case <-t.headers:
	case <-t.done:
		t.mu.Lock()
		err := t.errLocked()
		t.mu.Unlock()
		nc.Close()
		return nil, fmt.Errorf("h2test: no response head: %w (events %v)", err, t.Events())
	case <-time.After(10 * time.Second):
		nc.Close()
		return nil, errors.New("h2test: no response head in 10s")
	}
	return t, nil
}

func (t *Tunnel) applySetting(s http2.Setting) {
	switch s.ID {
	case http2.SettingInitialWindowSize:
		// RFC 9113 §6.9.2: the change applies to open streams' windows.
		t.sendWin += int64(s.Val) - t.peerInit
		t.peerInit = int64(s.Val)
	case http2.SettingMaxFrameSize:
		t.maxFrame = s.Val
	}
}

// loop reads the server's frames until the connection fails.
func (t *Tunnel) loop(fr *http2.FrameReader) {
	defer close(t.done)
	dec := hpack.NewDecoder(4096)
	var block []byte
	gotHead := false
	for {
		f, err := fr.ReadFrame()
		t.mu.Lock()
		if err != nil {
			if t.connErr == nil {
				t.connErr = err
			}
			t.cond.Broadcast()
			t.mu.Unlock()
			return
		}
		var reply []byte
		switch f.Type {
		case http2.FrameSettings:
			if !f.Flags.Has(http2.FlagAck) {
				for i := range f.NumSettings() {
					t.applySetting(f.Setting(i))
				}
				reply = http2.AppendSettingsAck(nil)
			}
		case http2.FramePing:
			if !f.Flags.Has(http2.FlagAck) {
				reply = http2.AppendPing(nil, true, f.PingData)
			}
		case http2.FrameWindowUpdate:
			if f.StreamID == 0 {
				t.connWin += int64(f.Increment)
			} else if f.StreamID == tunnelStream {
				t.sendWin += int64(f.Increment)
			}
		case http2.FrameGoAway:
			t.events = append(t.events, "GOAWAY "+f.ErrCode.String())
			if f.LastStreamID < tunnelStream || f.ErrCode != http2.ErrCodeNo {
				t.connErr = fmt.Errorf("GOAWAY %v", f.ErrCode)
			}
		case http2.FrameRSTStream:
			if f.StreamID == tunnelStream {
				t.reset, t.resetErr = true, f.ErrCode
				t.events = append(t.events, "RST_STREAM "+f.ErrCode.String())
				if !gotHead {
					// Refused before any answer: DialTunnel returns the
					// Tunnel with Status 0 for the test to look at.
					gotHead = true
					close(t.headers)
				}
			}
		case http2.FrameHeaders, http2.FrameContinuation:
			block = append(block, f.Data...)
			if f.Flags.Has(http2.FlagEndHeaders) {
				fields, derr := dec.DecodeAppend(nil, block)
				block = block[:0]
				if derr != nil {
					t.connErr = derr
					break
				}
				status := 0
				var regular []hpack.HeaderField
				for _, hf := range fields {
					if hf.Name == ":status" {
						fmt.Sscan(hf.Value, &status)
						continue
					}
					regular = append(regular, hpack.HeaderField{Name: strings.Clone(hf.Name), Value: strings.Clone(hf.Value)})
				}
				t.events = append(t.events, fmt.Sprintf("HEADERS %d", status))
				if !gotHead && status >= 200 {
					gotHead = true
					t.Status, t.Header = status, regular
					close(t.headers)
				}
			}
			if f.Flags.Has(http2.FlagEndStream) {
				t.endIn = true
				t.events = append(t.events, "END_STREAM")
			}
		case http2.FrameData:
			if f.StreamID == tunnelStream {
				t.in = append(t.in, f.Data...)
				if f.Flags.Has(http2.FlagEndStream) {
					t.endIn = true
					t.events = append(t.events, "END_STREAM")
				}
			}
			if f.FlowLen > 0 {
				// Give the windows back at once: the test reads at its pace
				// from t.in, which is unbounded.
				reply = http2.AppendWindowUpdate(nil, 0, f.FlowLen)
			}
		}
		t.cond.Broadcast()
		t.mu.Unlock()
		if reply != nil {
			t.writeFrames(reply)
		}
	}
}

func (t *Tunnel) writeFrames(b []byte) error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	_, err := t.nc.Write(b)
	return err
}

func (t *Tunnel) errLocked() error {
	switch {
	case t.reset:
		return fmt.Errorf("h2test: stream reset: %v", t.resetErr)
	case t.connErr != nil:
		return t.connErr
	}
	return nil
}

// Read implements net.Conn: the DATA received, io.EOF after END_STREAM.
func (t *Tunnel) Read(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for len(t.in) == 0 {
		if t.endIn {
			return 0, io.EOF
		}
		if err := t.errLocked(); err != nil {
			return 0, err
		}
		if !t.deadline.IsZero() && !time.Now().Before(t.deadline) {
			return 0, os.ErrDeadlineExceeded
		}
		t.cond.Wait()
	}
	n := copy(p, t.in)
	t.in = t.in[n:]
	if t.windowed {
		t.mu.Unlock()
		t.writeFrames(http2.AppendWindowUpdate(nil, tunnelStream, uint32(n)))
		t.mu.Lock()
	}
	return n, nil
}

// Write implements net.Conn: DATA frames as the windows allow.
func (t *Tunnel) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		t.mu.Lock()
		for t.sendWin <= 0 || t.connWin <= 0 {
			if err := t.errLocked(); err != nil {
				t.mu.Unlock()
				return written, err
			}
			t.cond.Wait()
		}
		if err := t.errLocked(); err != nil {
			t.mu.Unlock()
			return written, err
		}
		n := int(min(int64(len(p)), t.sendWin, t.connWin, int64(t.maxFrame)))
		t.sendWin -= int64(n)
		t.connWin -= int64(n)
		t.mu.Unlock()
		if err := t.writeFrames(http2.AppendData(nil, tunnelStream, false, p[:n])); err != nil {
			return written, err
		}
		written += n
		p = p[n:]
	}
	return written, nil
}

// CloseWrite ends the client's side of the stream (END_STREAM).
func (t *Tunnel) CloseWrite() error {
	return t.writeFrames(http2.AppendData(nil, tunnelStream, true, nil))
}

// Reset sends RST_STREAM with code.
func (t *Tunnel) Reset(code http2.ErrCode) error {
	return t.writeFrames(http2.AppendRSTStream(nil, tunnelStream, code))
}

// Close closes the connection.
func (t *Tunnel) Close() error {
	err := t.nc.Close()
	<-t.done
	return err
}

// WaitEnd waits up to d for the stream to end (END_STREAM or RST_STREAM
// from the server, or the connection failing) and returns the events
// seen so far.
func (t *Tunnel) WaitEnd(d time.Duration) []string {
	stop := time.AfterFunc(d, func() {
		t.mu.Lock()
		t.cond.Broadcast()
		t.mu.Unlock()
	})
	defer stop.Stop()
	end := time.Now().Add(d)
	t.mu.Lock()
	for !t.endIn && !t.reset && t.connErr == nil && time.Now().Before(end) {
		t.cond.Wait()
	}
	t.mu.Unlock()
	return t.Events()
}

// Events returns what the server did to the stream, in order:
// "HEADERS 200", "END_STREAM", "RST_STREAM CANCEL", "GOAWAY NO_ERROR".
func (t *Tunnel) Events() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.events...)
}

// Field returns the value of the response field name, "" if absent.
func (t *Tunnel) Field(name string) string {
	for _, f := range t.Header {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// LocalAddr implements net.Conn.
func (t *Tunnel) LocalAddr() net.Addr { return t.nc.LocalAddr() }

// RemoteAddr implements net.Conn.
func (t *Tunnel) RemoteAddr() net.Addr { return t.nc.RemoteAddr() }

// SetDeadline implements net.Conn: it sets the read deadline (writes
// wait only for flow control).
func (t *Tunnel) SetDeadline(d time.Time) error { return t.SetReadDeadline(d) }

// SetReadDeadline implements net.Conn.
func (t *Tunnel) SetReadDeadline(d time.Time) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.deadline = d
	if t.timer != nil {
		t.timer.Stop()
	}
	if !d.IsZero() {
		t.timer = time.AfterFunc(time.Until(d), func() {
			t.mu.Lock()
			t.cond.Broadcast()
			t.mu.Unlock()
		})
	}
	return nil
}

// SetWriteDeadline implements net.Conn; writes are not bounded.
func (t *Tunnel) SetWriteDeadline(time.Time) error { return nil }
