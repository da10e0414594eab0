package interop

import (
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rawsock/httpserver/nethttp"
)

func TestPrometheus(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector())
	hits := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "interop_hits_total", Help: "Hits by path.",
	}, []string{"path"})
	reg.MustRegister(hits)
	hits.WithLabelValues("/a").Add(3)

	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.Handle("/default", promhttp.Handler())
	base := serve(t, nethttp.Wrap(mux))
	c := newClient(t)

	res, body := get(t, c, mustRequest(t, "GET", base+"/metrics", nil))
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Errorf("%d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	for _, want := range []string{`interop_hits_total{path="/a"} 3`, "# TYPE go_goroutines gauge"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}

	// Compressed, as Prometheus scrapes.
	req := mustRequest(t, "GET", base+"/default", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("gzip: %d %v", res.StatusCode, res.Header)
	}
	_, body = get(t, c, mustRequest(t, "GET", base+"/default", nil))
	if !strings.Contains(body, "promhttp_metric_handler_requests_total") {
		t.Errorf("default registry output lacks the handler's own counter")
	}
}
