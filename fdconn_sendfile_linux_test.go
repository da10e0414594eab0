//go:build linux

package httpserver

import (
	"bufio"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestSendfileLeavesReadsFree: on the epoll engine, a sendfile that takes
// long (a cold file read from disk, held here by a stub) does not hold the
// connection's lock: a Read of the same connection proceeds meanwhile.
// The other engines send through net.TCPConn.
func TestSendfileLeavesReadsFree(t *testing.T) {
	path := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(path, []byte(strings.Repeat("f", 64<<10)), 0o600); err != nil {
		t.Fatal(err)
	}
	// The first call is held until release, whenever it comes: before
	// or after the handler waits for it (a stub that held it only if the
	// handler already waited let it through under load, and the test
	// then waited for a sendfile that had come and gone).
	inSendfile, release := make(chan struct{}, 1), make(chan struct{})
	var first atomic.Bool
	orig := sendfile
	defer func() { sendfile = orig }()
	sendfile = func(out, in int, off *int64, count int) (int, error) {
		if first.CompareAndSwap(false, true) {
			inSendfile <- struct{}{}
			<-release
		}
		return orig(out, in, off, count)
	}
	type result struct {
		read string
		err  error
	}
	results := make(chan result, 1)
	held, handlerDone := make(chan struct{}), make(chan struct{})
	s := startServer(t, HandlerFunc(func(w ResponseWriter, r *Request) {
		defer close(handlerDone) // after the sendfile returned: the stub may be restored
		nc, _, err := NewResponseController(w).Hijack()
		if err != nil {
			results <- result{err: err}
			return
		}
		defer nc.Close()
		if _, ok := nc.(*fdConn); !ok {
			results <- result{err: io.ErrUnexpectedEOF}
			return
		}
		f, err := os.Open(path)
		if err != nil {
			results <- result{err: err}
			return
		}
		defer f.Close()
		sent := make(chan struct{})
		go func() {
			defer close(sent)
			nc.(io.ReaderFrom).ReadFrom(f)
		}()
		<-inSendfile
		close(held)
		// The sendfile is held: a Read must not wait for it.
		nc.SetReadDeadline(time.Now().Add(2 * time.Second))
		b := make([]byte, 4)
		n, err := io.ReadFull(nc, b)
		results <- result{read: string(b[:n]), err: err}
		close(release)
		<-sent
	}), withEngine(EngineEpoll))
	c, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	select {
	case <-held:
	case res := <-results:
		t.Fatalf("handler: %v", res.err)
	case <-time.After(5 * time.Second):
		t.Fatal("no sendfile began")
	}
	io.WriteString(c, "PING")
	var res result
	select {
	case res = <-results:
	case <-time.After(5 * time.Second):
		close(release)
		t.Fatal("handler did not report")
	}
	if res.err != nil || res.read != "PING" {
		t.Fatalf("Read during a sendfile: %q, %v; want \"PING\" at once", res.read, res.err)
	}
	n, err := io.Copy(io.Discard, bufio.NewReader(c))
	if err != nil || n != 64<<10 {
		t.Errorf("file: %d bytes, %v; want %d", n, err, 64<<10)
	}
	<-handlerDone
}
