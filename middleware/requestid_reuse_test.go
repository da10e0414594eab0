package middleware

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/testutil/syncbuf"
)

type reuseTestKey struct{}

// TestRequestIDReusedContextKeepsWhatItGave serves four pipelined
// requests on one connection, so that (outside race builds) later ones reuse
// an earlier one's request-ID context, and checks that what a handler
// took away stays its request's: the ID string and the derived logger
// (request 1), and the context itself once used as one (request 2).
func TestRequestIDReusedContextKeepsWhatItGave(t *testing.T) {
	var logBuf syncbuf.Buffer
	base := jsonLogger(&logBuf)
	var (
		keptID     string
		keptLogger *slog.Logger
		usedCtx    context.Context // escaped: Err was called
		derived    context.Context
		cancel     context.CancelFunc
		n          int
	)
	defer func() {
		if cancel != nil {
			cancel()
		}
	}()
	h := RequestID(RequestIDOptions{})(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		n++
		switch n {
		case 1: // takes strings only: the context can be reused
			keptID = RequestIDFrom(r.Context())
			keptLogger = LoggerFrom(r.Context(), base)
		case 2: // uses the context as one: it must not be reused
			usedCtx = r.Context()
			_ = usedCtx.Err()
			derived, cancel = context.WithCancel(context.WithValue(r.Context(), reuseTestKey{}, 1))
		}
		w.WriteString(RequestIDFrom(r.Context()))
	}))
	// Pipelined, so that the connection keeps its per-request storage
	// from one request to the next on every engine.
	get := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	out := rawExchange(t, serve(t, h), strings.Repeat(get, 3)+"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	var ids []string
	for _, resp := range strings.Split(out, "HTTP/1.1 200 OK\r\n")[1:] {
		_, rest, _ := strings.Cut(resp, RequestIDHeader+": ")
		id, _, _ := strings.Cut(rest, "\r\n")
		if len(id) != idLen || !strings.HasSuffix(resp, "\r\n\r\n"+id) {
			t.Fatalf("header ID %q in response %q", id, resp)
		}
		ids = append(ids, id)
	}
	if len(ids) != 4 {
		t.Fatalf("%d answers: %q", len(ids), out)
	}
	if ids[0] == ids[1] || ids[1] == ids[2] || ids[2] == ids[3] {
		t.Fatalf("ids repeat: %q", ids)
	}
	if keptID != ids[0] {
		t.Errorf("kept ID became %q, want %q", keptID, ids[0])
	}
	if got := RequestIDFrom(usedCtx); got != ids[1] {
		t.Errorf("a context used as one reports ID %q, want %q", got, ids[1])
	}
	if got := RequestIDFrom(derived); got != ids[1] {
		t.Errorf("a derived context reports ID %q, want %q", got, ids[1])
	}
	keptLogger.Info("later")
	if want := `"request_id":"` + ids[0] + `"`; !strings.Contains(logBuf.String(), want) {
		t.Errorf("kept logger wrote %s, want %s", logBuf.String(), want)
	}
}

// TestRequestIDNested checks that a RequestID inside another keeps its
// own context: the inner one must not take the outer's, which is in use,
// from the request's reuse slot.
func TestRequestIDNested(t *testing.T) {
	var outer, inner, outerAfter []string
	innerChain := RequestID(RequestIDOptions{Header: "X-Inner"})(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		inner = append(inner, RequestIDFrom(r.Context()))
	}))
	h := RequestID(RequestIDOptions{Header: "X-Outer"})(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		outer = append(outer, RequestIDFrom(r.Context()))
		innerChain.ServeHTTP(w, r)
		outerAfter = append(outerAfter, requestID(r.Context()))
	}))
	url := serve(t, h) + "/"
	c := client(t)
	for i := range 3 {
		resp, _ := do(t, c, "GET", url, nil, nil)
		o, in := resp.Header.Get("X-Outer"), resp.Header.Get("X-Inner")
		if o == in || o != outer[i] || in != inner[i] || outerAfter[i] != o {
			t.Errorf("request %d: outer %q (seen %q, then %q), inner %q (seen %q)", i, o, outer[i], outerAfter[i], in, inner[i])
		}
	}
}
