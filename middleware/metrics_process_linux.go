package middleware

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// userHZ is the unit of the times in /proc/self/stat: the kernel reports
// them in USER_HZ ticks, 100 a second on every Linux architecture Go
// supports (Prometheus procfs assumes the same).
const userHZ = 100

// writeProcessMetrics writes the process metrics of the Prometheus
// client_golang process collector, read from /proc/self and getrlimit(2):
// process_cpu_seconds_total, process_open_fds, process_max_fds,
// process_virtual_memory_bytes, process_virtual_memory_max_bytes,
// process_resident_memory_bytes and process_start_time_seconds. A metric
// whose source cannot be read is left out.
func writeProcessMetrics(bw *bufio.Writer) {
	if st, ok := readProcStat(); ok {
		writeMetric(bw, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", formatFloat(float64(st.utime+st.stime)/userHZ))
		writeMetric(bw, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", strconv.FormatUint(st.vsize, 10))
		writeMetric(bw, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", strconv.FormatUint(st.rss*uint64(os.Getpagesize()), 10))
		if boot, ok := bootTime(); ok {
			writeMetric(bw, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", formatFloat(float64(boot)+float64(st.start)/userHZ))
		}
	}
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		writeMetric(bw, "process_open_fds", "gauge", "Number of open file descriptors.", strconv.Itoa(len(fds)))
	}
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil {
		writeMetric(bw, "process_max_fds", "gauge", "Maximum number of open file descriptors.", strconv.FormatUint(lim.Cur, 10))
	}
	if syscall.Getrlimit(syscall.RLIMIT_AS, &lim) == nil {
		writeMetric(bw, "process_virtual_memory_max_bytes", "gauge", "Maximum amount of virtual memory available in bytes.", strconv.FormatUint(lim.Cur, 10))
	}
}

// procStat holds the fields of /proc/self/stat that the metrics use.
type procStat struct {
	utime, stime uint64 // CPU time in user and kernel mode, in USER_HZ ticks
	start        uint64 // start time after boot, in USER_HZ ticks
	vsize        uint64 // virtual memory size, in bytes
	rss          uint64 // resident set size, in pages
}

// readProcStat reads /proc/self/stat (proc_pid_stat(5)). The command name,
// field 2, is in parentheses and may itself hold spaces and parentheses,
// so the fields are counted from after the last ')'.
func readProcStat() (procStat, bool) {
	data, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return procStat{}, false
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return procStat{}, false
	}
	f := bytes.Fields(data[i+1:]) // f[0] is field 3, state
	if len(f) <= 24-3 {
		return procStat{}, false
	}
	field := func(n int) uint64 {
		v, _ := strconv.ParseUint(string(f[n-3]), 10, 64)
		return v
	}
	return procStat{utime: field(14), stime: field(15), start: field(22), vsize: field(23), rss: field(24)}, true
}

// bootTime reads the boot time, in seconds since 1970, from the btime line
// of /proc/stat.
func bootTime() (uint64, bool) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	for line := range bytes.Lines(data) {
		if v, ok := bytes.CutPrefix(line, []byte("btime ")); ok {
			n, err := strconv.ParseUint(string(bytes.TrimSpace(v)), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}
