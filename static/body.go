package static

import (
	"io"
	"sync"

	"github.com/rawsock/httpserver"
)

// smallBody is the size up to which a body is copied through the response
// buffer rather than sent with sendfile(2): header and body then leave in
// one write, where sendfile would cost a flush of the header plus a
// system call of its own.
const smallBody = 32 << 10

var bodyBufs = sync.Pool{New: func() any { b := make([]byte, smallBody); return &b }}

// sendBody writes the n bytes of body that src yields. Large bodies go
// through ResponseController.ReadFrom, which the server turns into
// sendfile(2) for an *os.File.
func sendBody(w httpserver.ResponseWriter, src io.Reader, n int64) error {
	if n > smallBody {
		_, err := httpserver.NewResponseController(w).ReadFrom(src)
		return err
	}
	bp := bodyBufs.Get().(*[]byte)
	defer bodyBufs.Put(bp)
	buf := (*bp)[:n]
	if _, err := io.ReadFull(src, buf); err != nil {
		// The header promised n bytes: abort rather than send fewer.
		panic(httpserver.ErrAbortHandler)
	}
	_, err := w.Write(buf)
	return err
}
