package static

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/rawsock/httpserver/httpservertest"
)

// readFromRecorder records what the handler hands to ReadFrom, the way the
// server's writer receives it before calling sendfile(2).
type readFromRecorder struct {
	*httpservertest.ResponseRecorder
	srcs []io.Reader
}

func (r *readFromRecorder) ReadFrom(src io.Reader) (int64, error) {
	r.srcs = append(r.srcs, src)
	return io.Copy(r.ResponseRecorder, src)
}

func TestLargeBodiesUseReadFrom(t *testing.T) {
	root := fixture(t)
	data := make([]byte, 3*smallBody)
	for i := range data {
		data[i] = byte(i)
	}
	if err := os.WriteFile(filepath.Join(root, "large.bin"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := Dir(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	n := len(data)
	tests := []struct {
		name, rng string
		wantFile  bool // a bare *os.File, which sendfile can take
		body      []byte
	}{
		{"whole", "", true, data},
		{"to end", "bytes=40000-", true, data[40000:]},
		{"suffix", "bytes=-40000", true, data[n-40000:]},
		{"middle", "bytes=1-40000", false, data[1:40001]},
	}
	for _, tt := range tests {
		rec := &readFromRecorder{ResponseRecorder: httpservertest.NewRecorder()}
		var headers []string
		if tt.rng != "" {
			headers = []string{"Range", tt.rng}
		}
		h.ServeHTTP(rec, request(t, "GET", "/large.bin", headers...))
		if len(rec.srcs) != 1 {
			t.Errorf("%s: %d ReadFrom calls", tt.name, len(rec.srcs))
			continue
		}
		_, isFile := rec.srcs[0].(*os.File)
		if lr, ok := rec.srcs[0].(*io.LimitedReader); ok {
			if _, inner := lr.R.(*os.File); !inner {
				t.Errorf("%s: LimitedReader around %T", tt.name, lr.R)
			}
		} else if !isFile {
			t.Errorf("%s: ReadFrom got %T", tt.name, rec.srcs[0])
		}
		if isFile != tt.wantFile {
			t.Errorf("%s: bare file = %v, want %v", tt.name, isFile, tt.wantFile)
		}
		if rec.Body.String() != string(tt.body) {
			t.Errorf("%s: body differs (%d bytes)", tt.name, rec.Body.Len())
		}
	}
	// Small bodies go through Write, in the same buffer as the header.
	rec := &readFromRecorder{ResponseRecorder: httpservertest.NewRecorder()}
	h.ServeHTTP(rec, request(t, "GET", "/hello.txt"))
	if len(rec.srcs) != 0 || rec.Body.String() != "hello, world\n" {
		t.Errorf("small body: %d ReadFrom calls, body %q", len(rec.srcs), rec.Body.String())
	}
}
