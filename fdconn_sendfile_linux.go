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
	if deadlinePassed(&f.wdl) {
		return 0, os.ErrDeadlineExceeded
	}
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
			if !f.beginSend() {
				serr = net.ErrClosed
				return
			}
			n, serr = sendfile(f.fd, int(in), nil, int(min(remain, 1<<30)))
			f.endSend()
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

// sendfile is unix.Sendfile; tests replace it to hold a call.
var sendfile = unix.Sendfile

// beginSend marks a sendfile about to run without f.mu, so that reading
// (and Close) need not wait for it: reading a cold file from disk can take
// long, and the connection's other direction goes on meanwhile. Writes are
// serialised by f.wmu, which the caller holds. The descriptor stays open
// until the sendfile returns (see endSend), so its number cannot be reused
// under it. It reports false when the connection is closed.
func (f *fdConn) beginSend() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.sending = true
	return true
}

// endSend ends what beginSend began, closing the descriptor if Close was
// called meanwhile.
func (f *fdConn) endSend() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sending = false
	if f.closed {
		unix.Close(f.fd)
	}
}

// fdWriter hides fdConn's ReadFrom from io.Copy; it runs under f.wmu.
type fdWriter struct{ f *fdConn }

func (w fdWriter) Write(p []byte) (int, error) { return w.f.write(p) }
