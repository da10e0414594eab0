package static

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/testserver"
)

// A large file goes out with sendfile(2) to a client that reads slowly but
// steadily: the write timeout bounds how long the client may take nothing,
// not the whole download, which here lasts several times the timeout.
func TestSendfileToSlowReader(t *testing.T) {
	root := t.TempDir()
	data := make([]byte, 3<<20)
	for i := range data {
		data[i] = byte(i*7 + i>>12)
	}
	if err := os.WriteFile(filepath.Join(root, "big.bin"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := Dir(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	const timeout = time.Second // long next to the client's gaps, see the root package's test
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := testserver.StartOn(t, testserver.SmallSendBuffer(ln, 32<<10), h, func(s *httpserver.Server) {
		s.Timeouts.Write = timeout
	})

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.(*net.TCPConn).SetReadBuffer(32 << 10)
	c.SetDeadline(time.Now().Add(20 * time.Second))
	began := time.Now()
	io.WriteString(c, "GET /big.bin HTTP/1.1\r\nHost: h\r\n\r\n")
	// At most 16 KiB every 15 ms: 3 MiB take at least 2.9 s.
	resp, err := http.ReadResponse(bufio.NewReaderSize(slowReader{c}, 16<<10), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	took := time.Since(began)
	if err != nil || !bytes.Equal(body, data) {
		t.Fatalf("got %d of %d bytes (equal %v) after %v: %v", len(body), len(data), bytes.Equal(body, data), took, err)
	}
	if took < 2*timeout {
		t.Fatalf("the download took %v: not long enough to test a %v write timeout", took, timeout)
	}
}

// slowReader reads at most 16 KiB at a time, 15 ms apart.
type slowReader struct{ r io.Reader }

func (s slowReader) Read(p []byte) (int, error) {
	time.Sleep(15 * time.Millisecond)
	return s.r.Read(p[:min(len(p), 16<<10)])
}
