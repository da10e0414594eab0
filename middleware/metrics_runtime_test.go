package middleware

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// exposition parses the text format into the TYPE of each family and the
// value of each sample (name with labels).
func exposition(t *testing.T, m *Metrics) (types map[string]string, values map[string]float64) {
	t.Helper()
	var sb strings.Builder
	if err := m.WritePrometheus(&sb); err != nil {
		t.Fatal(err)
	}
	types, values = map[string]string{}, map[string]float64{}
	for line := range strings.Lines(sb.String()) {
		line = strings.TrimSuffix(line, "\n")
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, typ, _ := strings.Cut(rest, " ")
			if _, dup := types[name]; dup {
				t.Errorf("family %s declared twice", name)
			}
			types[name] = typ
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if i < 0 || err != nil {
			t.Fatalf("bad sample line %q", line)
		}
		values[line[:i]] = v
	}
	return types, values
}

func TestRuntimeMetrics(t *testing.T) {
	runtime.GC()
	before, _ := os.ReadDir("/proc/self/fd")
	var files []*os.File
	for i := 0; i < 3; i++ {
		f, err := os.Create(filepath.Join(t.TempDir(), "f"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		files = append(files, f)
	}
	types, values := exposition(t, NewMetrics(MetricsOptions{Runtime: true}))

	want := map[string]string{
		"go_goroutines": "gauge", "go_threads": "gauge", "go_info": "gauge", "go_gc_duration_seconds": "summary",
		"go_memstats_last_gc_time_seconds": "gauge", "go_memstats_alloc_bytes": "gauge", "go_memstats_alloc_bytes_total": "counter",
		"go_memstats_sys_bytes": "gauge", "go_memstats_mallocs_total": "counter", "go_memstats_frees_total": "counter",
		"go_memstats_heap_alloc_bytes": "gauge", "go_memstats_heap_sys_bytes": "gauge", "go_memstats_heap_idle_bytes": "gauge",
		"go_memstats_heap_inuse_bytes": "gauge", "go_memstats_heap_released_bytes": "gauge", "go_memstats_heap_objects": "gauge",
		"go_memstats_stack_inuse_bytes": "gauge", "go_memstats_stack_sys_bytes": "gauge", "go_memstats_gc_sys_bytes": "gauge",
		"go_memstats_next_gc_bytes": "gauge", "go_gc_gogc_percent": "gauge", "go_gc_gomemlimit_bytes": "gauge",
		"go_sched_gomaxprocs_threads": "gauge",
	}
	if runtime.GOOS == "linux" {
		for name, typ := range map[string]string{
			"process_cpu_seconds_total": "counter", "process_open_fds": "gauge", "process_max_fds": "gauge",
			"process_virtual_memory_bytes": "gauge", "process_virtual_memory_max_bytes": "gauge",
			"process_resident_memory_bytes": "gauge", "process_start_time_seconds": "gauge",
		} {
			want[name] = typ
		}
	}
	for name, typ := range want {
		if types[name] != typ {
			t.Errorf("TYPE %s = %q, want %q", name, types[name], typ)
		}
	}

	checks := []struct {
		name string
		ok   bool
	}{
		{"go_goroutines >= 1", values["go_goroutines"] >= 1},
		{"go_threads >= 1", values["go_threads"] >= 1},
		{"go_info{version} = 1", values[`go_info{version="`+runtime.Version()+`"}`] == 1},
		{"go_gc_duration_seconds_count >= 1 after runtime.GC", values["go_gc_duration_seconds_count"] >= 1},
		{"quantiles ordered", values[`go_gc_duration_seconds{quantile="0"}`] <= values[`go_gc_duration_seconds{quantile="0.5"}`] &&
			values[`go_gc_duration_seconds{quantile="0.5"}`] <= values[`go_gc_duration_seconds{quantile="1"}`]},
		{"last GC within the last minute", time.Since(time.Unix(0, int64(values["go_memstats_last_gc_time_seconds"]*1e9))) < time.Minute},
		{"heap in use >= allocated", values["go_memstats_heap_inuse_bytes"] >= values["go_memstats_heap_alloc_bytes"] && values["go_memstats_heap_alloc_bytes"] > 0},
		{"heap sys = in use + idle", values["go_memstats_heap_sys_bytes"] == values["go_memstats_heap_inuse_bytes"]+values["go_memstats_heap_idle_bytes"]},
		{"sys >= heap sys", values["go_memstats_sys_bytes"] >= values["go_memstats_heap_sys_bytes"]},
		{"mallocs >= frees", values["go_memstats_mallocs_total"] >= values["go_memstats_frees_total"] && values["go_memstats_frees_total"] > 0},
		{"alloc total >= alloc", values["go_memstats_alloc_bytes_total"] >= values["go_memstats_alloc_bytes"]},
		{"gomaxprocs", values["go_sched_gomaxprocs_threads"] == float64(runtime.GOMAXPROCS(0))},
	}
	if runtime.GOOS == "linux" {
		start := time.Unix(0, int64(values["process_start_time_seconds"]*1e9))
		checks = append(checks, []struct {
			name string
			ok   bool
		}{
			{"open fds count the files opened", values["process_open_fds"] >= float64(len(before)+len(files))},
			{"max fds >= open fds", values["process_max_fds"] >= values["process_open_fds"]},
			{"RSS between 1 MiB and 64 GiB", values["process_resident_memory_bytes"] > 1<<20 && values["process_resident_memory_bytes"] < 64<<30},
			{"virtual >= resident", values["process_virtual_memory_bytes"] >= values["process_resident_memory_bytes"]},
			{"started in the last hour, not in the future", time.Since(start) < time.Hour && time.Until(start) < 2*time.Second},
			{"CPU time counted", values["process_cpu_seconds_total"] >= 0},
		}...)
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: no", c.name)
		}
	}
	if t.Failed() {
		t.Logf("values: %v", values)
	}

	// Off by default: the library adds no go_* or process_* families.
	types, _ = exposition(t, NewMetrics(MetricsOptions{}))
	for name := range types {
		if strings.HasPrefix(name, "go_") || strings.HasPrefix(name, "process_") {
			t.Errorf("%s without Runtime", name)
		}
	}
}
