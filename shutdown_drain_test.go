package httpserver

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/rawsock/httpserver/internal/http2"
)

// drainBody is the download of the shutdown tests: 1 MiB, sent in 64 KiB
// writes, well beyond the flow-control windows and socket buffers.
var drainBody = bytes.Repeat([]byte("0123456789abcdef"), 1<<20/16)

// drainHandler sends drainBody: its first 64 KiB flushed, then, once
// release is closed, the rest; entered is closed when the first part is
// out.
func drainHandler(entered, release chan struct{}) HandlerFunc {
	return func(w ResponseWriter, r *Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(drainBody)))
		w.Write(drainBody[:64<<10])
		w.Flush()
		close(entered)
		<-release
		for b := drainBody[64<<10:]; len(b) > 0; b = b[64<<10:] {
			if _, err := w.Write(b[:64<<10]); err != nil {
				return
			}
		}
	}
}

// TestShutdownLetsDownloadFinish: a download in flight when Shutdown
// begins completes, byte for byte, in every mode and on every engine;
// then the connection closes and Shutdown returns.
func TestShutdownLetsDownloadFinish(t *testing.T) {
	forEachMode(t, allModes, func(t *testing.T, m testMode, start modeStart) {
		t.Parallel()
		entered, release := make(chan struct{}), make(chan struct{})
		s := start(drainHandler(entered, release))
		resp, err := s.client(t).Get(s.url("/download"))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		<-entered
		shut := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			shut <- s.Shutdown(ctx)
		}()
		awaitRefused(t, s.addr) // Shutdown has begun
		close(release)
		got, err := io.ReadAll(resp.Body)
		if err != nil || !bytes.Equal(got, drainBody) {
			t.Fatalf("download: %d of %d bytes (equal %v), %v", len(got), len(drainBody), bytes.Equal(got, drainBody), err)
		}
		if err := <-shut; err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if n := s.Stats().Conns; n != 0 {
			t.Fatalf("%d connections left after Shutdown", n)
		}
	})
}

// TestH2ShutdownGoAway: on HTTP/2 (h2 and h2c, every engine) Shutdown
// sends GOAWAY with NO_ERROR and the last stream id at once, while a
// download is in flight (RFC 9113 §6.8); a stream the client opens after
// it is not processed; the download then completes, END_STREAM after the
// GOAWAY, and the connection closes.
func TestH2ShutdownGoAway(t *testing.T) {
	forEachMode(t, h2Modes, func(t *testing.T, m testMode, start modeStart) {
		t.Parallel()
		entered, release := make(chan struct{}), make(chan struct{})
		s := start(drainHandler(entered, release))
		k := newH2RawClientOn(t, s.dial(t), "/download") // stream 1
		k.nc.Write(http2.AppendWindowUpdate(nil, 1, 1<<30))
		<-entered
		shut := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			shut <- s.Shutdown(ctx)
		}()
		var frames []h2FrameSeen
		for lastGoAway(frames) == nil {
			f, err := k.fr.ReadFrame()
			if err != nil {
				t.Fatalf("no GOAWAY after %d frames: %v", len(frames), err)
			}
			frames = append(frames, h2FrameSeen{typ: f.Type, stream: f.StreamID, flags: f.Flags, code: f.ErrCode, lastID: f.LastStreamID,
				data: len(f.Data), endStream: f.Flags.Has(http2.FlagEndStream)})
			if f.StreamID == 1 && f.Flags.Has(http2.FlagEndStream) {
				t.Fatal("the download ended before its handler was released")
			}
		}
		k.send(k.block, 1) // stream 3, after the GOAWAY
		close(release)
		frames = append(frames, k.readUntilEOF()...)
		checkDrained(t, frames, 1, len(drainBody))
		for _, f := range frames {
			if f.stream == 3 {
				t.Fatalf("stream 3, opened after the GOAWAY, got a %v frame", f.typ)
			}
		}
		if err := <-shut; err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if n := s.Stats().Conns; n != 0 {
			t.Fatalf("%d connections left after Shutdown", n)
		}
	})
}
