package middleware

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/rawsock/httpserver"
)

func TestBodyLimit(t *testing.T) {
	var readErr error
	var readN int
	respond := false
	h := BodyLimit(10)(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		b, err := io.ReadAll(r.Body)
		readN, readErr = len(b), err
		if respond || err == nil {
			w.WriteString("read " + string(b))
		}
	}))
	base := serve(t, h)
	c := client(t)

	// Declared too large: 413 without calling the handler.
	readN = -1
	resp, _ := do(t, c, "POST", base+"/", nil, strings.NewReader(strings.Repeat("x", 11)))
	if resp.StatusCode != 413 || readN != -1 {
		t.Errorf("declared 11: %d, handler read %d", resp.StatusCode, readN)
	}
	// Declared within: passes.
	resp, body := do(t, c, "POST", base+"/", nil, strings.NewReader("0123456789"))
	if resp.StatusCode != 200 || body != "read 0123456789" {
		t.Errorf("declared 10: %d %q", resp.StatusCode, body)
	}
	// Chunked, within.
	resp, body = do(t, c, "POST", base+"/", nil, io.MultiReader(strings.NewReader("01234"), strings.NewReader("56789")))
	if resp.StatusCode != 200 || body != "read 0123456789" {
		t.Errorf("chunked 10: %d %q", resp.StatusCode, body)
	}
	// Chunked, too large: the read fails and the middleware answers 413.
	resp, _ = do(t, c, "POST", base+"/", nil, io.MultiReader(strings.NewReader("0123456789"), strings.NewReader("abc")))
	if resp.StatusCode != 413 || !errors.Is(readErr, httpserver.ErrBodyTooLarge) || readN != 10 {
		t.Errorf("chunked 13: %d, read %d bytes, err %v", resp.StatusCode, readN, readErr)
	}
	// A handler that answers anyway keeps its answer.
	respond = true
	resp, body = do(t, c, "POST", base+"/", nil, io.MultiReader(strings.NewReader("0123456789"), strings.NewReader("abc")))
	if resp.StatusCode != 200 || body != "read 0123456789" {
		t.Errorf("handler answered: %d %q", resp.StatusCode, body)
	}
	if httpserver.StatusOf(readErr) != http.StatusRequestEntityTooLarge {
		t.Errorf("StatusOf = %d", httpserver.StatusOf(readErr))
	}
}

func TestLimitedBodyReads(t *testing.T) {
	lb := &limitedBody{rc: io.NopCloser(strings.NewReader("abcdef")), left: 6, err: errors.New("too big")}
	if n, err := lb.Read(nil); n != 0 || err != nil {
		t.Errorf("empty read: %d %v", n, err)
	}
	b, err := io.ReadAll(lb)
	if string(b) != "abcdef" || err != nil {
		t.Errorf("exact size: %q %v", b, err)
	}
	if lb.Close() != nil {
		t.Error("Close")
	}
}
