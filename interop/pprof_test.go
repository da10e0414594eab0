package interop

import (
	"net/http"
	"net/http/pprof"
	"os"
	"strings"
	"testing"

	"github.com/rawsock/httpserver/nethttp"
)

func TestPprof(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	base := serve(t, nethttp.Wrap(mux))
	c := newClient(t)

	res, body := get(t, c, mustRequest(t, "GET", base+"/debug/pprof/", nil))
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Errorf("index: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	for _, want := range []string{"goroutine", "heap", "Types of profiles available"} {
		if !strings.Contains(body, want) {
			t.Errorf("index lacks %q", want)
		}
	}

	res, body = get(t, c, mustRequest(t, "GET", base+"/debug/pprof/cmdline", nil))
	if want := strings.Join(os.Args, "\x00"); res.StatusCode != 200 || body != want {
		t.Errorf("cmdline: %d %q, want %q", res.StatusCode, body, want)
	}
	if res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("cmdline header: %v", res.Header)
	}

	// A named profile through the index handler, in the text format.
	res, body = get(t, c, mustRequest(t, "GET", base+"/debug/pprof/goroutine?debug=1", nil))
	if res.StatusCode != 200 || !strings.Contains(body, "goroutine profile: total") {
		t.Errorf("goroutine profile: %d %.80q", res.StatusCode, body)
	}
}
