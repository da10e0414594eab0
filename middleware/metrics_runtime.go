package middleware

import (
	"bufio"
	"runtime"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"strconv"
	"time"
)

// runtimeSamples are the runtime/metrics read for the go_* metrics, in the
// order of the rt* indexes below.
var runtimeSamples = [numRuntimeSamples]string{
	rtGoroutines:    "/sched/goroutines:goroutines",
	rtAllocBytes:    "/gc/heap/allocs:bytes",
	rtAllocObjects:  "/gc/heap/allocs:objects",
	rtFreeObjects:   "/gc/heap/frees:objects",
	rtTinyAllocs:    "/gc/heap/tiny/allocs:objects",
	rtHeapObjects:   "/gc/heap/objects:objects",
	rtHeapGoal:      "/gc/heap/goal:bytes",
	rtTotal:         "/memory/classes/total:bytes",
	rtHeapInUse:     "/memory/classes/heap/objects:bytes",
	rtHeapUnused:    "/memory/classes/heap/unused:bytes",
	rtHeapFree:      "/memory/classes/heap/free:bytes",
	rtHeapReleased:  "/memory/classes/heap/released:bytes",
	rtStacks:        "/memory/classes/heap/stacks:bytes",
	rtOSStacks:      "/memory/classes/os-stacks:bytes",
	rtMetadataOther: "/memory/classes/metadata/other:bytes",
	rtGOGC:          "/gc/gogc:percent",
	rtGOMEMLIMIT:    "/gc/gomemlimit:bytes",
	rtGOMAXPROCS:    "/sched/gomaxprocs:threads",
}

const (
	rtGoroutines = iota
	rtAllocBytes
	rtAllocObjects
	rtFreeObjects
	rtTinyAllocs
	rtHeapObjects
	rtHeapGoal
	rtTotal
	rtHeapInUse
	rtHeapUnused
	rtHeapFree
	rtHeapReleased
	rtStacks
	rtOSStacks
	rtMetadataOther
	rtGOGC
	rtGOMEMLIMIT
	rtGOMAXPROCS
	numRuntimeSamples
)

// writeRuntimeMetrics writes the Go runtime's metrics under the names,
// types and meanings of the default Go collector of Prometheus
// client_golang (go_goroutines, go_threads, go_info,
// go_gc_duration_seconds, go_memstats_*, go_gc_gogc_percent,
// go_gc_gomemlimit_bytes, go_sched_gomaxprocs_threads), read from
// runtime/metrics as that collector does. A metric the running Go
// version does not support is left out.
func writeRuntimeMetrics(bw *bufio.Writer) {
	var samples [numRuntimeSamples]rtmetrics.Sample
	for i := range samples {
		samples[i].Name = runtimeSamples[i]
	}
	rtmetrics.Read(samples[:])
	val := func(i int) (uint64, bool) {
		if samples[i].Value.Kind() != rtmetrics.KindUint64 {
			return 0, false
		}
		return samples[i].Value.Uint64(), true
	}
	sum := func(idx ...int) (uint64, bool) {
		var t uint64
		for _, i := range idx {
			v, ok := val(i)
			if !ok {
				return 0, false
			}
			t += v
		}
		return t, true
	}
	metric := func(name, typ, help string, v uint64, ok bool) {
		if ok {
			writeMetric(bw, name, typ, help, strconv.FormatUint(v, 10))
		}
	}
	gauge := func(name, help string, v uint64, ok bool) { metric(name, "gauge", help, v, ok) }
	counter := func(name, help string, v uint64, ok bool) { metric(name, "counter", help, v, ok) }

	v, ok := val(rtGoroutines)
	gauge("go_goroutines", "Number of goroutines that currently exist.", v, ok)
	threads, _ := runtime.ThreadCreateProfile(nil)
	gauge("go_threads", "Number of OS threads created.", uint64(threads), true)
	writeGCDurations(bw)
	bw.WriteString("# HELP go_info Information about the Go environment.\n# TYPE go_info gauge\n")
	bw.WriteString(`go_info{version="` + escapeLabel(runtime.Version()) + "\"} 1\n")

	v, ok = val(rtHeapInUse)
	gauge("go_memstats_alloc_bytes", "Bytes of allocated heap objects (/memory/classes/heap/objects:bytes).", v, ok)
	v, ok = val(rtAllocBytes)
	counter("go_memstats_alloc_bytes_total", "Bytes allocated on the heap, freed ones included (/gc/heap/allocs:bytes).", v, ok)
	v, ok = val(rtTotal)
	gauge("go_memstats_sys_bytes", "Bytes obtained from the system (/memory/classes/total:bytes).", v, ok)
	v, ok = sum(rtAllocObjects, rtTinyAllocs)
	counter("go_memstats_mallocs_total", "Heap objects allocated (/gc/heap/allocs:objects + /gc/heap/tiny/allocs:objects).", v, ok)
	v, ok = sum(rtFreeObjects, rtTinyAllocs)
	counter("go_memstats_frees_total", "Heap objects freed (/gc/heap/frees:objects + /gc/heap/tiny/allocs:objects).", v, ok)
	v, ok = val(rtHeapInUse)
	gauge("go_memstats_heap_alloc_bytes", "Bytes of allocated heap objects (/memory/classes/heap/objects:bytes).", v, ok)
	v, ok = sum(rtHeapInUse, rtHeapUnused, rtHeapFree, rtHeapReleased)
	gauge("go_memstats_heap_sys_bytes", "Bytes of heap memory obtained from the system.", v, ok)
	v, ok = sum(rtHeapFree, rtHeapReleased)
	gauge("go_memstats_heap_idle_bytes", "Bytes of heap memory in idle spans (/memory/classes/heap/free:bytes + /memory/classes/heap/released:bytes).", v, ok)
	v, ok = sum(rtHeapInUse, rtHeapUnused)
	gauge("go_memstats_heap_inuse_bytes", "Bytes of heap memory in in-use spans (/memory/classes/heap/objects:bytes + /memory/classes/heap/unused:bytes).", v, ok)
	v, ok = val(rtHeapReleased)
	gauge("go_memstats_heap_released_bytes", "Bytes of heap memory returned to the system (/memory/classes/heap/released:bytes).", v, ok)
	v, ok = val(rtHeapObjects)
	gauge("go_memstats_heap_objects", "Live heap objects (/gc/heap/objects:objects).", v, ok)
	v, ok = val(rtStacks)
	gauge("go_memstats_stack_inuse_bytes", "Bytes of stack memory in use (/memory/classes/heap/stacks:bytes).", v, ok)
	v, ok = sum(rtStacks, rtOSStacks)
	gauge("go_memstats_stack_sys_bytes", "Bytes of stack memory obtained from the system.", v, ok)
	v, ok = val(rtMetadataOther)
	gauge("go_memstats_gc_sys_bytes", "Bytes of garbage collection metadata (/memory/classes/metadata/other:bytes).", v, ok)
	v, ok = val(rtHeapGoal)
	gauge("go_memstats_next_gc_bytes", "Heap size the next garbage collection aims at (/gc/heap/goal:bytes).", v, ok)
	v, ok = val(rtGOGC)
	gauge("go_gc_gogc_percent", "Heap size target percentage set by GOGC or debug.SetGCPercent (/gc/gogc:percent).", v, ok)
	v, ok = val(rtGOMEMLIMIT)
	gauge("go_gc_gomemlimit_bytes", "Go runtime memory limit set by GOMEMLIMIT or debug.SetMemoryLimit (/gc/gomemlimit:bytes).", v, ok)
	v, ok = val(rtGOMAXPROCS)
	gauge("go_sched_gomaxprocs_threads", "GOMAXPROCS: threads that can run Go code at once (/sched/gomaxprocs:threads).", v, ok)
}

// writeGCDurations writes go_gc_duration_seconds, a summary of the
// stop-the-world pauses of garbage collection (quantiles 0, 0.25, 0.5,
// 0.75 and 1 of the recent pauses), and go_memstats_last_gc_time_seconds.
func writeGCDurations(bw *bufio.Writer) {
	var st debug.GCStats
	st.PauseQuantiles = make([]time.Duration, 5)
	debug.ReadGCStats(&st)
	bw.WriteString("# HELP go_gc_duration_seconds A summary of the stop-the-world pause durations of garbage collection cycles.\n# TYPE go_gc_duration_seconds summary\n")
	for i, q := range [...]string{"0", "0.25", "0.5", "0.75", "1"} {
		bw.WriteString(`go_gc_duration_seconds{quantile="` + q + `"} ` + formatFloat(st.PauseQuantiles[i].Seconds()) + "\n")
	}
	bw.WriteString("go_gc_duration_seconds_sum " + formatFloat(st.PauseTotal.Seconds()) + "\n")
	bw.WriteString("go_gc_duration_seconds_count " + strconv.FormatInt(st.NumGC, 10) + "\n")
	last := 0.0
	if !st.LastGC.IsZero() {
		last = float64(st.LastGC.UnixNano()) / 1e9
	}
	writeMetric(bw, "go_memstats_last_gc_time_seconds", "gauge", "Time of the last garbage collection, in seconds since 1970.", formatFloat(last))
}

// writeMetric writes one metric without labels: its HELP and TYPE lines
// and its sample.
func writeMetric(bw *bufio.Writer, name, typ, help, value string) {
	bw.WriteString("# HELP " + name + " " + help + "\n# TYPE " + name + " " + typ + "\n" + name + " " + value + "\n")
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
