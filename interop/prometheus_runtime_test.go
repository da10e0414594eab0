package interop

import (
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/rawsock/httpserver/middleware"
)

// TestRuntimeMetricsMatchClientGolang parses the exposition of
// middleware.Metrics with Runtime set by Prometheus's own text parser,
// and checks every go_* and process_* family against the default Go and
// process collectors of client_golang: same name, same type.
func TestRuntimeMetricsMatchClientGolang(t *testing.T) {
	m := middleware.NewMetrics(middleware.MetricsOptions{Runtime: true})
	var sb strings.Builder
	if err := m.WritePrometheus(&sb); err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	ours, err := p.TextToMetricFamilies(strings.NewReader(sb.String()))
	if err != nil {
		t.Fatalf("prometheus cannot parse the exposition: %v\n%s", err, sb.String())
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	gathered, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	theirs := map[string]string{}
	for _, f := range gathered {
		theirs[f.GetName()] = f.GetType().String()
	}

	var names []string
	for name, f := range ours {
		if !strings.HasPrefix(name, "go_") && !strings.HasPrefix(name, "process_") {
			continue
		}
		names = append(names, name)
		if typ, ok := theirs[name]; !ok {
			t.Errorf("%s: client_golang has no such metric", name)
		} else if typ != f.GetType().String() {
			t.Errorf("%s: type %s, client_golang says %s", name, f.GetType(), typ)
		}
		if len(f.GetMetric()) == 0 {
			t.Errorf("%s: no sample", name)
		}
	}
	sort.Strings(names)
	required := []string{"go_goroutines", "go_threads", "go_info", "go_gc_duration_seconds", "go_memstats_alloc_bytes", "go_memstats_heap_inuse_bytes", "go_memstats_sys_bytes"}
	if runtime.GOOS == "linux" {
		required = append(required, "process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds", "process_max_fds", "process_start_time_seconds")
	}
	for _, name := range required {
		if _, ok := ours[name]; !ok {
			t.Errorf("exposition lacks %s", name)
		}
	}
	t.Logf("%d families checked: %s", len(names), strings.Join(names, " "))
	// The same process, measured by both: the values that do not move
	// agree.
	for _, name := range []string{"process_start_time_seconds", "process_max_fds", "process_virtual_memory_max_bytes", "go_sched_gomaxprocs_threads", "go_gc_gogc_percent"} {
		f, ok := ours[name]
		if !ok {
			continue // process_* off Linux; checked above where required
		}
		a := f.GetMetric()[0].GetGauge().GetValue()
		for _, g := range gathered {
			if g.GetName() == name {
				if b := g.GetMetric()[0].GetGauge().GetValue(); a != b {
					t.Errorf("%s = %v, client_golang says %v", name, a, b)
				}
			}
		}
	}
}
