package httpserver

import (
	"io"
	"os"
)

// ReadFrom is reached through ResponseController: it copies src into the
// body. When the length is known (a declared Content-Length, or src is a
// regular *os.File) and the response is not chunked, the bytes go from the
// file to the socket with sendfile(2).
func (w *response) ReadFrom(src io.Reader) (int64, error) {
	w.checkLive()
	if w.c.state.Load() == stateHijacked {
		return 0, ErrHijacked
	}
	if !w.committed && w.declaredLength < 0 && !w.header.Has("Content-Length") {
		if size, ok := remainingFileSize(src); ok {
			w.header.Set("Content-Length", string(appendInt(nil, size)))
		}
	}
	if !w.wroteHeader {
		w.WriteHeader(StatusOK)
	}
	if w.declaredLength < 0 || w.isHEAD || !bodyAllowed(w.status) || w.chunked {
		return copyBuffered(writerOnly{w}, src)
	}
	if !w.committed {
		w.commit(false)
	}
	if err := w.c.flush(); err != nil {
		return 0, err
	}
	rf, ok := w.c.nc.(io.ReaderFrom)
	if !ok {
		return copyBuffered(writerOnly{w}, src)
	}
	limit := w.declaredLength - w.written
	// The socket's ReadFrom uses sendfile for an *os.File or an
	// *io.LimitedReader directly around one; a second LimitedReader on
	// top would hide the file, so a limited file is unwrapped here.
	outer, _ := src.(*io.LimitedReader)
	if outer != nil {
		if _, isFile := outer.R.(*os.File); isFile {
			src, limit = outer.R, min(limit, outer.N)
		} else {
			outer = nil
		}
	}
	if _, isFile := src.(*os.File); !isFile {
		// Through Write, where a slow client that keeps reading is
		// given time (see writeSocket).
		return copyBuffered(writerOnly{w}, &io.LimitedReader{R: src, N: limit})
	}
	n, err := w.c.sendFile(rf, src, limit)
	w.written += n
	if outer != nil {
		outer.N -= n
	}
	return n, err
}

// remainingFileSize returns the bytes left to read in a regular file.
func remainingFileSize(src io.Reader) (int64, bool) {
	if lr, ok := src.(*io.LimitedReader); ok {
		n, ok := remainingFileSize(lr.R)
		return min(n, lr.N), ok
	}
	f, ok := src.(*os.File)
	if !ok {
		return 0, false
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return 0, false
	}
	off, err := f.Seek(0, io.SeekCurrent)
	if err != nil || off > fi.Size() {
		return 0, false
	}
	return fi.Size() - off, true
}

// writerOnly hides the ReadFrom method of a writer from io.Copy.
type writerOnly struct{ io.Writer }

func copyBuffered(dst io.Writer, src io.Reader) (int64, error) {
	buf := make([]byte, 32<<10)
	return io.CopyBuffer(dst, src, buf)
}
