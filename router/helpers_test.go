package router

import (
	"strings"
	"testing"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/httpservertest"
)

// tag returns a handler that writes name and the request's path values as
// "name k=v k=v".
func tag(name string) httpserver.HandlerFunc {
	return func(w httpserver.ResponseWriter, r *httpserver.Request) {
		var b strings.Builder
		b.WriteString(name)
		for k, v := range r.PathValues() {
			b.WriteString(" " + k + "=" + v)
		}
		w.WriteString(b.String())
	}
}

// do serves one request built by httpservertest.NewRequest.
func do(t *testing.T, h httpserver.Handler, method, target string) *httpservertest.ResponseRecorder {
	t.Helper()
	return doReq(h, httpservertest.NewRequest(method, target, nil))
}

func doReq(h httpserver.Handler, r *httpserver.Request) *httpservertest.ResponseRecorder {
	w := httpservertest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// rawRequest builds a request whose paths are given as is, for inputs that
// httpservertest.NewRequest refuses.
func rawRequest(method, rawPath, path string) *httpserver.Request {
	r := httpservertest.NewRequest(method, "/", nil)
	r.Target, r.RawPath, r.Path = rawPath, rawPath, path
	return r
}

// status returns the code a recorder holds, 200 when nothing was written.
func status(w *httpservertest.ResponseRecorder) int {
	code, _, _ := w.Result()
	return code
}
