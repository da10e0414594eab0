package http2

import (
	"context"
	"errors"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver/internal/http2/hpack"
)

func TestServerRequestResponse(t *testing.T) {
	echo := HandlerFunc(func(s *Stream) {
		body, err := io.ReadAll(s)
		if err != nil {
			return
		}
		fields := []hpack.HeaderField{{Name: "X-Method", Value: s.Pseudo().Method}, {Name: "Connection", Value: "close"}}
		for _, f := range s.Header() {
			if f.Name == "x-in" {
				fields = append(fields, hpack.HeaderField{Name: "x-in", Value: f.Value})
			}
		}
		s.WriteHeaders(200, fields, false)
		s.Write(body)
		if tr := s.Trailers(); len(tr) > 0 {
			s.WriteTrailers(tr)
		}
	})
	rc := startRaw(t, nil, echo)
	rc.request(1, "POST", "/echo", false, "x-in", "v")
	rc.write(AppendData(nil, 1, false, []byte("abc")))
	rc.write(AppendData(nil, 1, false, []byte("def")))
	rc.write(AppendHeaders(nil, 1, true, rc.enc.AppendBlock(nil, hf("x-sum", "9")...), minMaxFrameSize))

	f, err := rc.readFrame()
	for err == nil && f.Type != FrameHeaders {
		f, err = rc.readFrame()
	}
	if err != nil {
		t.Fatal(err)
	}
	head, _ := rc.dec.DecodeAppend(nil, f.Data)
	want := []hpack.HeaderField{{Name: ":status", Value: "200"}, {Name: "x-method", Value: "POST"}, {Name: "x-in", Value: "v"}}
	if len(head) != len(want) {
		t.Fatalf("head %v, want %v (connection dropped, names lowercased)", head, want)
	}
	for i := range want {
		if head[i].Name != want[i].Name || head[i].Value != want[i].Value {
			t.Fatalf("head %v, want %v", head, want)
		}
	}
	ev := rc.until(FrameData, 1)
	if ev.data != "abcdef" {
		t.Fatalf("body %q", ev.data)
	}
	f, err = rc.readFrame()
	for err == nil && f.Type != FrameHeaders {
		f, err = rc.readFrame()
	}
	if err != nil || !f.Flags.Has(FlagEndStream) {
		t.Fatalf("trailers: %v %+v", err, f)
	}
	tr, _ := rc.dec.DecodeAppend(nil, f.Data)
	if len(tr) != 1 || tr[0].Name != "x-sum" || tr[0].Value != "9" {
		t.Fatalf("trailers %v", tr)
	}
}

// A handler that neither writes nor reads gets an empty 200 with
// END_STREAM; an unread request body then gets RST_STREAM NO_ERROR
// (RFC 9113 §8.1).
func TestServerEndsSilentHandler(t *testing.T) {
	rc := startRaw(t, nil, HandlerFunc(func(*Stream) {}))
	rc.request(1, "POST", "/", false)
	ev := rc.until(FrameHeaders, 1)
	if ev.status != "200" || !ev.end {
		t.Fatalf("%+v", ev)
	}
	rc.expectReset(1, ErrCodeNo)
}

func TestServerAnswersPing(t *testing.T) {
	rc := startRaw(t, nil, helloHandler)
	rc.write(AppendPing(nil, false, [8]byte{'p', 'i', 'n', 'g', 1, 2, 3, 4}))
	for i := 0; i < 10; i++ {
		f, err := rc.readFrame()
		if err != nil {
			t.Fatal(err)
		}
		if f.Type == FramePing {
			if !f.Flags.Has(FlagAck) || f.PingData != [8]byte{'p', 'i', 'n', 'g', 1, 2, 3, 4} {
				t.Fatalf("%+v", f)
			}
			return
		}
	}
	t.Fatal("no PING ACK")
}

// A settings frame is acknowledged (RFC 9113 §6.5.3).
func TestServerAcksSettings(t *testing.T) {
	rc := startRaw(t, nil, helloHandler)
	for i := 0; i < 10; i++ {
		f, err := rc.readFrame()
		if err != nil {
			t.Fatal(err)
		}
		if f.Type == FrameSettings && f.Flags.Has(FlagAck) {
			return
		}
	}
	t.Fatal("no SETTINGS ACK")
}

// RFC 9113 §3.4: a wrong preface, or a preface not followed by SETTINGS,
// is a PROTOCOL_ERROR connection error.
func TestBadPreface(t *testing.T) {
	tests := []struct {
		name string
		send []byte
	}{
		{"http/1.1 request", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")},
		{"preface then PING", append([]byte(ClientPreface), AppendPing(nil, false, [8]byte{})...)},
		{"preface then SETTINGS ACK", append([]byte(ClientPreface), AppendSettingsAck(nil)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := startRawWith(t, nil, helloHandler, false)
			rc.write(tt.send)
			rc.expectGoAway(ErrCodeProtocol)
		})
	}
}

// Done closes when the client resets the stream; reads and writes fail.
func TestStreamDoneOnPeerReset(t *testing.T) {
	got := make(chan error, 1)
	rc := startRaw(t, nil, HandlerFunc(func(s *Stream) {
		<-s.Done()
		_, err := s.Write([]byte("x"))
		got <- errors.Join(err, s.Err())
	}))
	rc.request(1, "GET", "/", true)
	rc.write(AppendRSTStream(nil, 1, ErrCodeCancel))
	select {
	case err := <-got:
		if !errors.Is(err, ErrStreamReset) {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("handler not told")
	}
}

// Shutdown sends GOAWAY NO_ERROR with the last stream processed, refuses
// nothing already started, lets the running stream finish, then closes.
func TestShutdownLetsStreamsFinish(t *testing.T) {
	proceed := make(chan struct{})
	rc := startRaw(t, nil, HandlerFunc(func(s *Stream) {
		s.WriteHeaders(200, nil, false)
		s.Write([]byte("first "))
		<-proceed
		s.Write([]byte("second"))
	}))
	rc.request(1, "GET", "/", true)
	rc.until(FrameData, 1)
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		shut <- rc.sc.Shutdown(ctx)
	}()
	ev := rc.until(FrameGoAway, 0)
	if ev.code != ErrCodeNo {
		t.Fatalf("GOAWAY %v", ev.code)
	}
	if id := rc.fr.frame.LastStreamID; id != 1 {
		t.Fatalf("GOAWAY last stream %d, want 1", id)
	}
	// A stream opened after the GOAWAY is not processed (§6.8).
	rc.request(3, "GET", "/", true)
	close(proceed)
	ev = rc.until(FrameData, 1)
	if ev.data != "second" {
		t.Fatalf("%+v", ev)
	}
	for i := 0; i < 5; i++ {
		if ev, ok := rc.next(); !ok {
			break
		} else if ev.stream == 3 {
			t.Fatalf("stream 3 was processed: %+v", ev)
		}
	}
	if err := <-shut; err != nil {
		t.Fatal(err)
	}
	if err := <-rc.done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	rc.done <- nil // for the cleanup
}

func TestIdleTimeout(t *testing.T) {
	rc := startRaw(t, &Config{IdleTimeout: 100 * time.Millisecond}, helloHandler)
	rc.request(1, "GET", "/", true)
	rc.response(1)
	start := time.Now()
	rc.expectGoAway(ErrCodeNo)
	if _, ok := rc.next(); ok {
		t.Fatal("connection still open after the idle GOAWAY")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("closed after %v", d)
	}
}

// Two streams with large responses share the connection: once both have
// data waiting, their DATA frames alternate (round robin) as the
// connection window opens.
func TestRoundRobinBetweenStreams(t *testing.T) {
	wrote := make(chan string, 64)
	rc := startRaw(t, nil, HandlerFunc(func(s *Stream) {
		s.WriteHeaders(200, nil, false)
		name := s.Pseudo().Path[1:]
		chunk := []byte(strings.Repeat(name, 16<<10))
		for i := 0; i < 16; i++ {
			if _, err := s.Write(chunk); err != nil {
				return
			}
			wrote <- name
		}
	}))
	// Wide stream windows; the connection window stays at 65535 so both
	// streams end up waiting on it.
	rc.write(AppendSettings(nil, Setting{SettingInitialWindowSize, 8 << 20}))
	rc.request(1, "GET", "/a", true)
	rc.request(3, "GET", "/b", true)
	count := map[string]int{}
	for count["a"] < 4 || count["b"] < 4 {
		select {
		case n := <-wrote:
			count[n]++
		case <-time.After(5 * time.Second):
			t.Fatalf("handlers did not buffer: %v", count)
		}
	}
	go func() {
		for range wrote {
		}
	}()
	var order []uint32
	ended, unacked := 0, 0
	for ended < 2 {
		ev, ok := rc.next()
		if !ok {
			t.Fatal("connection ended")
		}
		if ev.typ == FrameData {
			order = append(order, ev.stream)
			if ev.end {
				ended++
			}
			if unacked += len(ev.data); unacked >= 32<<10 {
				rc.write(AppendWindowUpdate(nil, 0, uint32(unacked)))
				unacked = 0
			}
		}
	}
	close(wrote)
	switches := 0
	for i := 1; i < len(order); i++ {
		if order[i] != order[i-1] {
			switches++
		}
	}
	if switches < 8 {
		t.Fatalf("DATA order %v: streams not interleaved", order)
	}
}

// A request body larger than both windows arrives whole: the server sends
// WINDOW_UPDATE as the handler reads.
func TestUploadBeyondWindows(t *testing.T) {
	cfg := &Config{Limits: Limits{StreamWindow: 1 << 16, ConnWindow: 1 << 16}}
	rc := startRaw(t, cfg, helloHandler)
	rc.request(1, "POST", "/up", false)
	total := 1 << 20
	sendWin, connWin := initialWindow, initialWindow // until the server's SETTINGS arrive the client may use 65535
	sent := 0
	for sent < total {
		for sent < total && sendWin > 0 && connWin > 0 {
			n := min(minMaxFrameSize, total-sent, sendWin, connWin)
			rc.write(AppendData(nil, 1, sent+n == total, make([]byte, n)))
			sent += n
			sendWin -= n
			connWin -= n
		}
		if sent == total {
			break
		}
		f, err := rc.readFrame()
		if err != nil {
			t.Fatalf("after %d octets: %v", sent, err)
		}
		if f.Type == FrameWindowUpdate {
			if f.StreamID == 0 {
				connWin += int(f.Increment)
			} else {
				sendWin += int(f.Increment)
			}
		}
	}
	ev := rc.until(FrameHeaders, 1)
	_ = ev
	if ev := rc.until(FrameData, 1); ev.data != "hello /up" {
		t.Fatalf("%+v", ev)
	}
}

// A client that never reads: once a write waits WriteTimeout the
// connection ends and Serve returns.
func TestWriteTimeoutEndsConnection(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	sc := NewServerConn(server, &Config{WriteTimeout: 100 * time.Millisecond}, helloHandler)
	done := make(chan error, 1)
	go func() { done <- sc.Serve(ServeOptions{}) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		sc.Close()
		<-done
		t.Fatal("Serve still running with a client that never reads")
	}
}

// Informational responses (1xx) go before the final one, as many as the
// handler sends (RFC 9113 §8.1); 100-continue is one of them.
func TestInformationalResponses(t *testing.T) {
	rc := startRaw(t, nil, HandlerFunc(func(s *Stream) {
		s.WriteHeaders(100, nil, false)
		s.WriteHeaders(103, []hpack.HeaderField{{Name: "link", Value: "</a.css>; rel=preload"}}, false)
		body, _ := io.ReadAll(s)
		s.WriteHeaders(201, nil, false)
		s.Write(body)
	}))
	rc.request(1, "POST", "/", false, "expect", "100-continue")
	var statuses []string
	if ev := rc.until(FrameHeaders, 1); ev.end {
		t.Fatal("1xx with END_STREAM")
	} else {
		statuses = append(statuses, ev.status)
	}
	statuses = append(statuses, rc.until(FrameHeaders, 1).status)
	rc.write(AppendData(nil, 1, true, []byte("after continue")))
	status, body := rc.response(1)
	statuses = append(statuses, status)
	if strings.Join(statuses, ",") != "100,103,201" || body != "after continue" {
		t.Fatalf("statuses %v body %q", statuses, body)
	}
}

// A GOAWAY from the client: open streams finish, then the server closes.
func TestClientGoAway(t *testing.T) {
	proceed := make(chan struct{})
	rc := startRaw(t, nil, HandlerFunc(func(s *Stream) {
		<-proceed
		s.Write([]byte("done"))
	}))
	rc.request(1, "GET", "/", true)
	rc.write(AppendGoAway(nil, 0, ErrCodeNo, nil))
	close(proceed)
	if status, body := rc.response(1); status != "200" || body != "done" {
		t.Fatalf("%q %q", status, body)
	}
	rc.nc.Close() // the client closes its side; Serve returns
	select {
	case err := <-rc.done:
		if err != nil {
			t.Fatal(err)
		}
		rc.done <- nil
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
}

// GoAway may come before Serve (a Server shutting down as the connection
// is handed over): the server preface still comes first (RFC 9113 §3.4),
// then GOAWAY NO_ERROR, and the connection ends.
func TestGoAwayBeforeServe(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	snc, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	sc := NewServerConn(snc, nil, HandlerFunc(func(*Stream) {}))
	sc.GoAway()
	sc.GoAway() // repeated calls are harmless
	done := make(chan error, 1)
	go func() { done <- sc.Serve(ServeOptions{}) }()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	nc.Write([]byte(ClientPreface))
	nc.Write(AppendSettings(nil))
	fr := NewFrameReader(nc, maxMaxFrameSize)
	var types []FrameType
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			break
		}
		types = append(types, f.Type)
		if f.Type == FrameGoAway && f.ErrCode != ErrCodeNo {
			t.Fatalf("GOAWAY %v", f.ErrCode)
		}
	}
	if len(types) < 2 || types[0] != FrameSettings || !slices.Contains(types, FrameGoAway) {
		t.Fatalf("frames %v: want SETTINGS first, then a GOAWAY", types)
	}
	// A client told GOAWAY with no stream open closes (RFC 9113 §6.8).
	// Waiting instead for the server to close first failed under CPU
	// stress (2 of 2 CI runs, and locally with three busy loops beside
	// the race detector): the server's reader was still waiting for the
	// client's frames when the test gave up.
	nc.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
}
