package middleware

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/httpservertest"
	"github.com/rawsock/httpserver/internal/testutil/syncbuf"
)

func TestTimeoutInTime(t *testing.T) {
	h := Timeout(5*time.Second, TimeoutOptions{})(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		if _, ok := r.Context().Deadline(); !ok {
			t.Error("no deadline on the handler's context")
		}
		w.Header().Set("X-Handler", "yes")
		w.WriteHeader(103) // dropped: cannot be buffered
		w.WriteHeader(201)
		w.WriteHeader(202) // ignored
		w.WriteString("made")
		if err := w.Flush(); !errors.Is(err, httpserver.ErrNotSupported) {
			t.Errorf("Flush = %v", err)
		}
	}))
	base := serve(t, h)
	resp, body := do(t, client(t), "GET", base+"/", nil, nil)
	if resp.StatusCode != 201 || body != "made" || resp.Header.Get("X-Handler") != "yes" {
		t.Errorf("got %d %q %v", resp.StatusCode, body, resp.Header)
	}
}

func TestTimeoutExpires(t *testing.T) {
	m := NewMetrics(MetricsOptions{})
	writeErr := make(chan error, 1)
	h := httpserver.Chain(m.Middleware, Timeout(50*time.Millisecond, TimeoutOptions{Status: 504}))(
		httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
			w.Header().Set("X-Handler", "yes")
			w.WriteString("partial")
			<-r.Context().Done() // a cooperative handler
			_, err := w.WriteString("late")
			writeErr <- err
		}))
	base := serve(t, h)
	resp, body := do(t, client(t), "GET", base+"/", nil, nil)
	if resp.StatusCode != 504 || body != "Gateway Timeout\n" || resp.Header.Get("X-Handler") != "" {
		t.Errorf("got %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if err := <-writeErr; !errors.Is(err, ErrHandlerTimeout) {
		t.Errorf("late write = %v", err)
	}
	if v := metricValue(t, m, "http_requests_timed_out_total"); v != "1" {
		t.Errorf("timed_out_total = %s", v)
	}
}

func TestTimeoutDefaultStatusAndPanic(t *testing.T) {
	h := Timeout(time.Millisecond, TimeoutOptions{})(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		<-r.Context().Done()
		if err := w.Flush(); !errors.Is(err, ErrHandlerTimeout) {
			t.Errorf("Flush after expiry = %v", err)
		}
		w.WriteHeader(200)
	}))
	rec := httpservertest.NewRecorder()
	h.ServeHTTP(rec, httpservertest.NewRequest("GET", "/", nil))
	if rec.Code != 503 {
		t.Errorf("status %d", rec.Code)
	}
	// A panic passes through to the outer Recover, which answers 500.
	h = httpserver.Chain(Recover(RecoverOptions{Logger: jsonLogger(&syncbuf.Buffer{})}), Timeout(time.Second, TimeoutOptions{}))(
		httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) { panic("x") }))
	rec = httpservertest.NewRecorder()
	h.ServeHTTP(rec, httpservertest.NewRequest("GET", "/", nil))
	if rec.Code != 500 {
		t.Errorf("panic under Timeout: %d", rec.Code)
	}
}

func TestTimeoutKeepsTrailers(t *testing.T) {
	h := Timeout(5*time.Second, TimeoutOptions{})(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteString("sum=" + r.Trailer.Get("X-Sum"))
	}))
	base := serve(t, h)
	out := rawExchange(t, base, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\nX-Sum: 42\r\n\r\n")
	if !strings.HasSuffix(out, "sum=42") {
		t.Errorf("response %q", out)
	}
}
