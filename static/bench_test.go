package static

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// benchFileSize is the size of the file of the large-file benchmarks.
const benchFileSize = 64 << 20

// benchRoot writes a directory with a benchFileSize file named big.bin.
func benchRoot(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	f, err := os.Create(filepath.Join(dir, "big.bin"))
	if err != nil {
		b.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for i := range chunk {
		chunk[i] = byte(i * 7)
	}
	for i := 0; i < benchFileSize/len(chunk); i++ {
		if _, err := f.Write(chunk); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return dir
}

// serveNetHTTP serves dir with net/http's FileServer on a loopback port.
func serveNetHTTP(b *testing.B, dir string) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(dir))}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	b.Cleanup(func() {
		srv.Close()
		<-done
	})
	return ln.Addr().String()
}

// rawClient fetches over one keep-alive connection with a minimal HTTP/1.1
// client, so that the client's own cost is small and identical for both
// servers.
type rawClient struct {
	c   net.Conn
	br  *bufio.Reader
	buf []byte
}

func dialRaw(b *testing.B, addr string) *rawClient {
	b.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return &rawClient{c: c, br: bufio.NewReaderSize(c, 64<<10), buf: make([]byte, 1<<20)}
}

// get sends req (a whole request head) and reads the whole response,
// returning its status and body length. It allocates nothing, so that
// -benchmem reports the server's allocations.
func (rc *rawClient) get(req []byte) (int, int64, error) {
	if _, err := rc.c.Write(req); err != nil {
		return 0, 0, err
	}
	status, length := 0, int64(-1)
	for first := true; ; first = false {
		line, err := rc.br.ReadSlice('\n')
		if err != nil {
			return 0, 0, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		if first {
			if len(line) < 12 {
				return 0, 0, errors.New("short status line")
			}
			status = int(line[9]-'0')*100 + int(line[10]-'0')*10 + int(line[11]-'0')
			continue
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		if bytes.EqualFold(name, []byte("Content-Length")) {
			length = 0
			for _, c := range bytes.TrimSpace(value) {
				length = length*10 + int64(c-'0')
			}
		}
	}
	if length < 0 {
		return status, 0, errors.New("no Content-Length")
	}
	// Drain what bufio holds, then read straight from the socket.
	left := length
	if n := int64(rc.br.Buffered()); n > 0 {
		n = min(n, left)
		rc.br.Discard(int(n))
		left -= n
	}
	for left > 0 {
		n, err := rc.c.Read(rc.buf[:min(int64(len(rc.buf)), left)])
		left -= int64(n)
		if err != nil {
			return status, length - left, err
		}
	}
	return status, length, nil
}

// benchFetch fetches path b.N times from addr and checks each response.
func benchFetch(b *testing.B, addr, path, extra string, wantStatus int, wantLen int64) {
	rc := dialRaw(b, addr)
	req := []byte("GET " + path + " HTTP/1.1\r\nHost: bench\r\n" + extra + "\r\n")
	b.SetBytes(wantLen)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		status, n, err := rc.get(req)
		if err != nil || status != wantStatus || n != wantLen {
			b.Fatalf("status %d, %d bytes, err %v; want %d, %d", status, n, err, wantStatus, wantLen)
		}
	}
}

// BenchmarkLargeFile measures the throughput of a 64 MiB file over
// loopback, served by this package (sendfile through the httpserver core)
// and by net/http's FileServer, in the same run.
func BenchmarkLargeFile(b *testing.B) {
	dir := benchRoot(b)
	h, err := Dir(dir, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { h.Close() })
	ours := startServer(b, h)
	theirs := serveNetHTTP(b, dir)
	b.Run("static", func(b *testing.B) { benchFetch(b, ours, "/big.bin", "", 200, benchFileSize) })
	b.Run("net-http-FileServer", func(b *testing.B) { benchFetch(b, theirs, "/big.bin", "", 200, benchFileSize) })
}

// BenchmarkLargeRange measures a 32 MiB range in the middle of the file,
// and one running to its end.
func BenchmarkLargeRange(b *testing.B) {
	dir := benchRoot(b)
	h, err := Dir(dir, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { h.Close() })
	ours := startServer(b, h)
	theirs := serveNetHTTP(b, dir)
	const mid = "Range: bytes=16777216-50331647\r\n"
	const tail = "Range: bytes=33554432-\r\n"
	b.Run("static/middle", func(b *testing.B) { benchFetch(b, ours, "/big.bin", mid, 206, 32<<20) })
	b.Run("net-http-FileServer/middle", func(b *testing.B) { benchFetch(b, theirs, "/big.bin", mid, 206, 32<<20) })
	b.Run("static/to-end", func(b *testing.B) { benchFetch(b, ours, "/big.bin", tail, 206, 32<<20) })
	b.Run("net-http-FileServer/to-end", func(b *testing.B) { benchFetch(b, theirs, "/big.bin", tail, 206, 32<<20) })
}

// BenchmarkSmallFile measures request overhead with a 13-byte file: this
// package with its open-file cache (a hit: no system call but the
// socket's), without it (open, stat, sibling lookups, read, close per
// request), and net/http's FileServer, in the same run.
func BenchmarkSmallFile(b *testing.B) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello, world\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	serveDir := func(opts *Options) string {
		h, err := Dir(dir, opts)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { h.Close() })
		return startServer(b, h)
	}
	cached := serveDir(nil)
	uncached := serveDir(&Options{Cache: CacheOptions{Disable: true}})
	theirs := serveNetHTTP(b, dir)
	b.Run("static/cache", func(b *testing.B) { benchFetch(b, cached, "/hello.txt", "", 200, 13) })
	b.Run("static/no-cache", func(b *testing.B) { benchFetch(b, uncached, "/hello.txt", "", 200, 13) })
	b.Run("net-http-FileServer", func(b *testing.B) { benchFetch(b, theirs, "/hello.txt", "", 200, 13) })
}
