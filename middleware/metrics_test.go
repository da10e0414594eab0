package middleware

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/httpservertest"
	"github.com/rawsock/httpserver/router"
)

// metricValue returns the value of the sample whose name and labels are
// exactly series, from the exposition of m.
func metricValue(t testing.TB, m *Metrics, series string) string {
	t.Helper()
	var sb strings.Builder
	if err := m.WritePrometheus(&sb); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(strings.NewReader(sb.String()))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			return v
		}
	}
	return "<absent>"
}

func TestMetricsOverSocket(t *testing.T) {
	m := NewMetrics(MetricsOptions{Path: "/metrics"})
	rt := router.New()
	rt.Get("/users/:id", func(w httpserver.ResponseWriter, r *httpserver.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteString("hello")
	})
	rt.Post("/upload", func(w httpserver.ResponseWriter, r *httpserver.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		if n != 11 {
			t.Errorf("handler read %d", n)
		}
		w.WriteHeader(201)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httpserver.Server{Handler: m.Middleware(rt)}
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(m.Listener(ln)) }()
	defer func() { srv.Close(); <-done }()
	base := "http://" + ln.Addr().String()
	c := client(t)
	for i := 0; i < 3; i++ {
		do(t, c, "GET", base+"/users/"+string(rune('1'+i)), nil, nil)
	}
	do(t, c, "POST", base+"/upload", nil, strings.NewReader("hello world"))
	do(t, c, "GET", base+"/missing/path/123", nil, nil)
	do(t, c, "BREW", base+"/users/1", nil, nil)

	resp, body := do(t, c, "GET", base+"/metrics", nil, nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{
		`http_requests_total{method="GET",route="/users/:id",status="200"} 3`,
		`http_requests_total{method="POST",route="/upload",status="201"} 1`,
		`http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`http_requests_total{method="OTHER",route="unmatched",status="405"} 1`,
		`http_request_duration_seconds_count{method="GET",route="/users/:id"} 3`,
		`http_request_duration_seconds_bucket{method="GET",route="/users/:id",le="+Inf"} 3`,
		"# TYPE http_request_duration_seconds histogram",
		"http_requests_in_flight 0",
		"http_request_body_bytes_total 11",
		"http_response_body_bytes_total 44", // 3×"hello", "Not Found\n", "Method Not Allowed\n"
		"http_open_connections 1",
		"http_connections_total 1",
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("missing %q in\n%s", want, body)
		}
	}
	if strings.Contains(body, "/missing/path/123") {
		t.Error("raw path used as a label")
	}
	c.CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for metricValue(t, m, "http_open_connections") != "0" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if v := metricValue(t, m, "http_open_connections"); v != "0" {
		t.Errorf("open connections after close = %s", v)
	}
}

func TestMetricsHistogramCumulative(t *testing.T) {
	m := NewMetrics(MetricsOptions{Buckets: []float64{0.001, 1}, Namespace: "app"})
	s := m.get(seriesKey{0, `we"ird\route` + "\n"})
	s.buckets[0].Add(2)
	s.buckets[1].Add(3)
	s.buckets[2].Add(1)
	var sb strings.Builder
	m.WritePrometheus(&sb)
	out := sb.String()
	for _, want := range []string{
		`app_request_duration_seconds_bucket{method="GET",route="we\"ird\\route\n",le="0.001"} 2`,
		`app_request_duration_seconds_bucket{method="GET",route="we\"ird\\route\n",le="1"} 5`,
		`app_request_duration_seconds_bucket{method="GET",route="we\"ird\\route\n",le="+Inf"} 6`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in\n%s", want, out)
		}
	}
}

func TestMethodIndex(t *testing.T) {
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"} {
		if knownMethods[methodIndex(m)] != m {
			t.Errorf("methodIndex(%s)", m)
		}
	}
	for _, m := range []string{"get", "PROPFIND", ""} {
		if knownMethods[methodIndex(m)] != "OTHER" {
			t.Errorf("methodIndex(%q) not OTHER", m)
		}
	}
}

func TestMetricsStatusSlots(t *testing.T) {
	m := NewMetrics(MetricsOptions{})
	s := m.get(seriesKey{0, "/x"})
	for code := 200; code < 200+statusSlots+3; code++ {
		s.countStatus(code)
		s.countStatus(code)
	}
	if v := metricValue(t, m, `http_requests_total{method="GET",route="/x",status="200"}`); v != "2" {
		t.Errorf("200: %s", v)
	}
	if v := metricValue(t, m, `http_requests_total{method="GET",route="/x",status="other"}`); v != "6" {
		t.Errorf("other: %s", v)
	}
}

func TestMetricsServerStats(t *testing.T) {
	m := NewMetrics(MetricsOptions{Path: "/metrics"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httpserver.Server{Handler: m.Middleware(httpserver.HandlerFunc(ok))}
	m.SetServer(srv)
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(ln) }()
	defer func() { srv.Close(); <-done }()
	resp, body := do(t, client(t), "GET", "http://"+ln.Addr().String()+"/metrics", nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "http_open_connections 1\n") ||
		!strings.Contains(body, "http_connections_rejected_total 0\n") || !strings.Contains(body, "# TYPE http_server_workers gauge") ||
		!strings.Contains(body, "# TYPE http_epoll_served_in_place_total counter\nhttp_epoll_served_in_place_total 0\n") ||
		!strings.Contains(body, "# TYPE http_epoll_hand_ons_total counter\nhttp_epoll_hand_ons_total 0\n") {
		t.Errorf("metrics:\n%s", body)
	}
}

// TestMetricsServedInPlace: on the epoll engine the served-in-place
// counter grows with requests served on the event loops, and stays at
// zero with PoolOptions.AlwaysHandOff.
func TestMetricsServedInPlace(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the epoll engine runs on Linux only")
	}
	for _, handOff := range []bool{false, true} {
		t.Run(fmt.Sprint("AlwaysHandOff=", handOff), func(t *testing.T) {
			m := NewMetrics(MetricsOptions{Path: "/metrics"})
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			srv := &httpserver.Server{Handler: m.Middleware(httpserver.HandlerFunc(ok)), Engine: httpserver.EngineEpoll,
				Pool: httpserver.PoolOptions{AlwaysHandOff: handOff}}
			m.SetServer(srv)
			done := make(chan struct{})
			go func() { defer close(done); srv.Serve(ln) }()
			defer func() { srv.Close(); <-done }()
			c := client(t)
			for range 5 { // keep-alive: the loop reads each request after the connection parked
				do(t, c, "GET", "http://"+ln.Addr().String()+"/", nil, nil)
			}
			v := metricValue(t, m, "http_epoll_served_in_place_total")
			if n, err := strconv.ParseUint(v, 10, 64); err != nil || handOff != (n == 0) {
				t.Errorf("http_epoll_served_in_place_total %s", v)
			}
			if v := metricValue(t, m, "http_epoll_hand_ons_total"); handOff && v != "0" {
				t.Errorf("http_epoll_hand_ons_total %s with AlwaysHandOff", v)
			}
		})
	}
}

// TestMetricsUnmounted: with Unmounted the middleware leaves the metrics
// path to the handler, even inside a pipeline, which fills in Path.
func TestMetricsUnmounted(t *testing.T) {
	p, err := NewPipeline(PipelineOptions{DisableAccessLog: true, Metrics: MetricsOptions{Unmounted: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	h := p.Wrap(httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		w.WriteString("handler")
	}))
	rec := httpservertest.NewRecorder()
	h.ServeHTTP(rec, httpservertest.NewRequest("GET", "/metrics", nil))
	if _, _, body := rec.Result(); body != "handler" {
		t.Errorf("GET /metrics through the pipeline: %q, want the handler's answer", body)
	}
	if v := metricValue(t, p.Metrics, `http_requests_total{method="GET",route="unmatched",status="200"}`); v != "1" {
		t.Errorf("the request was not counted: %s", v)
	}
}
