//go:build linux

package httpserver

import (
	"io"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// ReadFrom sends a file with sendfile(2) when r is an *os.File or an
// *io.LimitedReader around one, and copies otherwise.
func (f *fdConn) ReadFrom(r io.Reader) (int64, error) {
	f.wmu.Lock()
	defer f.wmu.Unlock()
	remain := int64(1<<63 - 1)
	lr, limited := r.(*io.LimitedReader)
	src := r
	if limited {
		remain, src = lr.N, lr.R
	}
	file, ok := src.(*os.File)
	if !ok {
		return io.Copy(fdWriter{f}, r)
	}
	rc, err := file.SyscallConn()
	if err != nil {
		return io.Copy(fdWriter{f}, r)
	}
	var written int64
	for remain > 0 {
		var n int
		var serr error
		cerr := rc.Control(func(in uintptr) {
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.closed {
				serr = net.ErrClosed
				return
			}
			n, serr = unix.Sendfile(f.fd, int(in), nil, int(min(remain, 1<<30)))
		})
		if n > 0 {
			written += int64(n)
			remain -= int64(n)
		}
		switch {
		case cerr != nil:
			serr = cerr
		case serr == unix.EAGAIN:
			if serr = f.wait(&f.ww, &f.wdl); serr == nil {
				continue
			}
		case serr == unix.EINTR:
			continue
		case serr == nil && n == 0:
			remain = 0 // end of file
			continue
		case serr == nil:
			continue
		case written == 0 && (serr == unix.EINVAL || serr == unix.ENOSYS):
			// A file sendfile cannot read: copy it.
			if limited {
				lr.N = remain
			}
			return io.Copy(fdWriter{f}, r)
		default:
			serr = os.NewSyscallError("sendfile", serr)
		}
		if limited {
			lr.N -= written
		}
		return written, serr
	}
	if limited {
		lr.N -= written
	}
	return written, nil
}

// fdWriter hides fdConn's ReadFrom from io.Copy; it runs under f.wmu.
type fdWriter struct{ f *fdConn }

func (w fdWriter) Write(p []byte) (int, error) { return w.f.write(p) }
