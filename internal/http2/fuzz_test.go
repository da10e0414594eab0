package http2

import (
	"bytes"
	"io"
	"net"
	"runtime"
	"testing"
	"time"
)

// FuzzFrameReader: any byte stream yields frames or an error, never a
// panic, and every frame respects the size the reader announced.
// Seeds: testdata/fuzz/FuzzFrameReader.
func FuzzFrameReader(f *testing.F) {
	f.Add(AppendSettings(nil, Setting{SettingMaxFrameSize, 1 << 15}))
	f.Fuzz(func(t *testing.T, in []byte) {
		fr := NewFrameReader(bytes.NewReader(in), 0)
		for i := 0; i < 10000; i++ {
			fh, err := fr.ReadFrame()
			if err != nil {
				return
			}
			if fh.Length > minMaxFrameSize || len(fh.Data) > int(fh.Length) {
				t.Fatalf("frame %+v beyond its length", fh.FrameHeader)
			}
		}
	})
}

// FuzzServerConn feeds arbitrary bytes to a server connection after a
// valid preface and SETTINGS: it must never panic, and once the client
// goes away Serve must return (no handler or writer left hanging).
// Seeds: testdata/fuzz/FuzzServerConn.
func FuzzServerConn(f *testing.F) {
	f.Add(AppendHeaders(nil, 1, true, []byte{0x82, 0x86, 0x84, 0x41, 0x01, 'a'}, minMaxFrameSize))
	f.Fuzz(func(t *testing.T, in []byte) {
		client, server := net.Pipe()
		sc := NewServerConn(server, &Config{WriteTimeout: time.Second}, HandlerFunc(func(s *Stream) {
			io.Copy(io.Discard, s)
			s.WriteHeaders(200, nil, false)
			s.Write([]byte("ok"))
		}))
		done := make(chan error, 1)
		go func() { done <- sc.Serve(ServeOptions{}) }()
		go io.Copy(io.Discard, client) // the client reads everything
		client.SetWriteDeadline(time.Now().Add(2 * time.Second))
		client.Write([]byte(ClientPreface))
		client.Write(AppendSettings(nil))
		client.Write(in)
		client.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			buf := make([]byte, 1<<20)
			t.Fatalf("Serve did not return after the client closed\n%s", buf[:runtime.Stack(buf, true)])
		}
	})
}
