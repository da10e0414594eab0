package middleware

import (
	"bufio"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rawsock/httpserver"
)

// MetricsOptions configures [NewMetrics].
type MetricsOptions struct {
	// Path, when set, is answered by the middleware itself with the
	// metrics (GET and HEAD), e.g. "/metrics"; such requests are not
	// counted.
	Path string
	// Unmounted makes the middleware answer no path, whatever Path says,
	// for metrics served elsewhere through [Metrics.ServeHTTP], such as a
	// separate listener: [NewPipeline] fills in an empty Path.
	Unmounted bool
	// Buckets are the upper bounds of the latency histogram, in seconds,
	// ascending; DefaultLatencyBuckets if empty.
	Buckets []float64
	// Namespace prefixes every metric name; "http" if empty.
	Namespace string
	// Runtime adds the metrics of the Go runtime and, on Linux, of the
	// process, under the names of the default collectors of Prometheus
	// client_golang, without its namespace: go_goroutines,
	// go_memstats_*, process_cpu_seconds_total, process_open_fds,
	// process_resident_memory_bytes and so on (see docs/middleware.md).
	Runtime bool
}

// DefaultLatencyBuckets are the latency histogram bounds, in seconds.
var DefaultLatencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// knownMethods bound the method label; others count as "OTHER".
var knownMethods = [...]string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE", "OTHER"}

// Metrics counts requests and exposes them in the Prometheus text format
// (version 0.0.4), with no dependency: requests by method, route and
// status; a latency histogram by method and route; requests in flight;
// request and response body bytes; rate-limited, timed-out and panicked
// requests; and, through [Metrics.Listener], open connections.
//
// The route label is Request.Pattern as left by the router, "unmatched"
// when no route matched, so the label set is bounded by the routes; the
// method label is one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS,
// CONNECT, TRACE or OTHER.
type Metrics struct {
	path     string
	ns       string
	runtime  bool
	buckets  []float64
	mu       sync.RWMutex
	series   map[seriesKey]*series
	inFlight atomic.Int64
	bytesIn  atomic.Uint64
	bytesOut atomic.Uint64
	limited  atomic.Uint64
	panicked atomic.Uint64
	timedOut atomic.Uint64
	conns    atomic.Int64
	accepted atomic.Uint64
	server   atomic.Pointer[httpserver.Server]
}

type seriesKey struct {
	method uint8
	route  string
}

// series holds the counters of one method and route.
type series struct {
	status  [statusSlots]statusCount // first come, first served
	other   atomic.Uint64            // statuses beyond the slots
	buckets []atomic.Uint64          // histogram counts, non-cumulative; last is +Inf
	sumNs   atomic.Uint64
}

// statusSlots bounds the distinct statuses counted per method and route;
// further ones are counted with status="other".
const statusSlots = 16

type statusCount struct {
	code atomic.Uint32
	n    atomic.Uint64
}

// countStatus adds one to the slot of code, claiming a free slot the first
// time a code is seen.
func (s *series) countStatus(code int) {
	c := uint32(code)
	for i := range s.status {
		sc := &s.status[i]
		cur := sc.code.Load()
		if cur == 0 && sc.code.CompareAndSwap(0, c) {
			cur = c
		} else if cur == 0 {
			cur = sc.code.Load()
		}
		if cur == c {
			sc.n.Add(1)
			return
		}
	}
	s.other.Add(1)
}

// NewMetrics returns an empty metrics set.
func NewMetrics(opts MetricsOptions) *Metrics {
	m := &Metrics{
		path:    opts.Path,
		ns:      or(opts.Namespace, "http"),
		runtime: opts.Runtime,
		buckets: opts.Buckets,
		series:  make(map[seriesKey]*series),
	}
	if len(m.buckets) == 0 {
		m.buckets = DefaultLatencyBuckets
	}
	if opts.Unmounted {
		m.path = ""
	}
	return m
}

func methodIndex(m string) uint8 {
	for i, k := range knownMethods[:len(knownMethods)-1] {
		if m == k {
			return uint8(i)
		}
	}
	return uint8(len(knownMethods) - 1)
}

// Middleware counts every request that passes through it. Place it after
// [RequestID] and before [Recover] and [RateLimiter.Middleware], whose
// outcomes it counts.
func (m *Metrics) Middleware(next httpserver.Handler) httpserver.Handler {
	return httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		if m.path != "" && r.Path == m.path && (r.Method == "GET" || r.Method == "HEAD") {
			m.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		m.inFlight.Add(1)
		rec, owned := observe(w)
		orig := r.Body
		rec.body = countingBody{rc: orig}
		r.Body = &rec.body
		defer func() {
			// Runs on panics too, so that in-flight stays right.
			r.Body = orig
			m.inFlight.Add(-1)
			m.observeRequest(r, rec, time.Since(start))
			if owned {
				putRecorder(rec)
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

func (m *Metrics) observeRequest(r *httpserver.Request, rec *recorder, d time.Duration) {
	m.bytesIn.Add(uint64(rec.body.n))
	m.bytesOut.Add(uint64(rec.bytes))
	if rec.flags&flagPanicked != 0 {
		m.panicked.Add(1)
	}
	if rec.flags&flagRateLimited != 0 {
		m.limited.Add(1)
	}
	if rec.flags&flagTimedOut != 0 {
		m.timedOut.Add(1)
	}
	route := r.Pattern
	if route == "" {
		route = "unmatched"
	}
	s := m.get(seriesKey{methodIndex(r.Method), route})
	status := rec.statusOr(httpserver.StatusOK)
	if rec.flags&flagPanicked != 0 && !rec.wroteHeader {
		status = httpserver.StatusInternalServerError
	}
	s.countStatus(status)
	sec := d.Seconds()
	i, _ := slices.BinarySearch(m.buckets, sec)
	s.buckets[i].Add(1)
	s.sumNs.Add(uint64(d))
}

// get returns the series of a key, creating it on first use.
func (m *Metrics) get(k seriesKey) *series {
	m.mu.RLock()
	s := m.series[k]
	m.mu.RUnlock()
	if s != nil {
		return s
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if s = m.series[k]; s == nil {
		s = &series{buckets: make([]atomic.Uint64, len(m.buckets)+1)}
		k.route = strings.Clone(k.route)
		m.series[k] = s
	}
	return s
}

// ServeHTTP answers with the metrics in the Prometheus text format.
func (m *Metrics) ServeHTTP(w httpserver.ResponseWriter, r *httpserver.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	m.WritePrometheus(w)
}

// WritePrometheus writes the metrics in the Prometheus text format.
func (m *Metrics) WritePrometheus(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 16<<10)
	m.mu.RLock()
	keys := make([]seriesKey, 0, len(m.series))
	for k := range m.series {
		keys = append(keys, k)
	}
	all := make([]*series, len(keys))
	slices.SortFunc(keys, func(a, b seriesKey) int {
		if c := strings.Compare(a.route, b.route); c != 0 {
			return c
		}
		return int(a.method) - int(b.method)
	})
	for i, k := range keys {
		all[i] = m.series[k]
	}
	m.mu.RUnlock()

	ns := m.ns
	labels := func(k seriesKey) string {
		return `method="` + knownMethods[k.method] + `",route="` + escapeLabel(k.route) + `"`
	}
	header := func(name, typ, help string) {
		bw.WriteString("# HELP " + ns + name + " " + help + "\n# TYPE " + ns + name + " " + typ + "\n")
	}
	header("_requests_total", "counter", "Requests by method, route and status.")
	for i, k := range keys {
		type sample struct {
			code string
			n    uint64
		}
		var samples []sample
		for j := range all[i].status {
			sc := &all[i].status[j]
			if code, n := sc.code.Load(), sc.n.Load(); code != 0 && n > 0 {
				samples = append(samples, sample{strconv.Itoa(int(code)), n})
			}
		}
		if n := all[i].other.Load(); n > 0 {
			samples = append(samples, sample{"other", n})
		}
		slices.SortFunc(samples, func(a, b sample) int { return strings.Compare(a.code, b.code) })
		for _, smp := range samples {
			bw.WriteString(ns + "_requests_total{" + labels(k) + `,status="` + smp.code + `"} ` + strconv.FormatUint(smp.n, 10) + "\n")
		}
	}
	header("_request_duration_seconds", "histogram", "Request latency by method and route.")
	for i, k := range keys {
		s, l := all[i], labels(k)
		var cum uint64
		for b := range s.buckets {
			cum += s.buckets[b].Load()
			le := "+Inf"
			if b < len(m.buckets) {
				le = strconv.FormatFloat(m.buckets[b], 'g', -1, 64)
			}
			bw.WriteString(ns + "_request_duration_seconds_bucket{" + l + `,le="` + le + `"} ` + strconv.FormatUint(cum, 10) + "\n")
		}
		bw.WriteString(ns + "_request_duration_seconds_sum{" + l + "} " + strconv.FormatFloat(float64(s.sumNs.Load())/1e9, 'g', -1, 64) + "\n")
		bw.WriteString(ns + "_request_duration_seconds_count{" + l + "} " + strconv.FormatUint(cum, 10) + "\n")
	}
	gauge := func(name, help string, v int64) {
		header(name, "gauge", help)
		bw.WriteString(ns + name + " " + strconv.FormatInt(v, 10) + "\n")
	}
	counter := func(name, help string, v uint64) {
		header(name, "counter", help)
		bw.WriteString(ns + name + " " + strconv.FormatUint(v, 10) + "\n")
	}
	gauge("_requests_in_flight", "Requests being served.", m.inFlight.Load())
	counter("_request_body_bytes_total", "Request body bytes read by handlers.", m.bytesIn.Load())
	counter("_response_body_bytes_total", "Response body bytes written (after compression).", m.bytesOut.Load())
	counter("_requests_rate_limited_total", "Requests rejected with 429 by the rate limiter.", m.limited.Load())
	counter("_requests_panicked_total", "Requests whose handler panicked.", m.panicked.Load())
	counter("_requests_timed_out_total", "Requests answered by the Timeout middleware.", m.timedOut.Load())
	if srv := m.server.Load(); srv != nil {
		st := srv.Stats()
		gauge("_open_connections", "Connections open, idle ones included.", st.Conns)
		counter("_connections_rejected_total", "Connections refused for capacity.", st.Rejected)
		gauge("_server_workers", "Worker goroutines alive (pool and epoll engines).", st.Workers)
		gauge("_server_busy_workers", "Workers running a connection or request.", st.BusyWorkers)
		gauge("_server_queue_depth", "Connections or requests waiting for a worker.", int64(st.QueueDepth))
		counter("_epoll_served_in_place_total", "Serves run on an event loop's goroutine instead of a worker (epoll engine).", st.ServedInPlace)
		counter("_epoll_hand_ons_total", "Times an event loop serving in place handed its role to a new goroutine (epoll engine).", st.HandOns)
	} else {
		gauge("_open_connections", "Connections open on listeners wrapped by Metrics.Listener.", m.conns.Load())
	}
	counter("_connections_total", "Connections accepted on listeners wrapped by Metrics.Listener.", m.accepted.Load())
	if m.runtime {
		writeRuntimeMetrics(bw)
		writeProcessMetrics(bw)
	}
	return bw.Flush()
}

// SetServer makes the metrics report the load of s from Server.Stats:
// open connections, connections rejected for capacity, workers, queue
// depth and the epoll engine's serves in place and hand-ons. It works
// with every engine, at no cost per request; prefer it to
// [Metrics.Listener]. On a nil *Metrics (a [Pipeline] with metrics
// disabled) it does nothing.
func (m *Metrics) SetServer(s *httpserver.Server) {
	if m == nil {
		return
	}
	m.server.Store(s)
}

// escapeLabel escapes a label value (backslash, quote, newline).
func escapeLabel(s string) string {
	if !strings.ContainsAny(s, "\\\"\n") {
		return s
	}
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// Listener wraps l so that the connections it accepts are counted in the
// open_connections and connections_total metrics. The connections keep
// their ReadFrom (sendfile), but the wrapping hides the *net.TCPListener
// and *net.TCPConn that the epoll engine needs, so that engine falls back
// to a goroutine per connection: with it, use [Metrics.SetServer]. On a
// nil *Metrics it returns l itself.
func (m *Metrics) Listener(l net.Listener) net.Listener {
	if m == nil {
		return l
	}
	return &countingListener{l, m}
}

type countingListener struct {
	net.Listener
	m *Metrics
}

// Accept counts the connection it returns.
func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.m.conns.Add(1)
	l.m.accepted.Add(1)
	return &countingConn{Conn: c, m: l.m}, nil
}

type countingConn struct {
	net.Conn
	m      *Metrics
	closed atomic.Bool
}

// Close uncounts the connection once.
func (c *countingConn) Close() error {
	if c.closed.CompareAndSwap(false, true) {
		c.m.conns.Add(-1)
	}
	return c.Conn.Close()
}

// ReadFrom keeps sendfile(2) available to the server.
func (c *countingConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(c.Conn, r)
}
