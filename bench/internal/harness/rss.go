package harness

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// RSSKiB returns the resident memory of process pid in KiB (VmRSS in
// /proc/PID/status). It exits the process if it cannot read it.
func RSSKiB(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		fatalf("%v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kib, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return kib
		}
	}
	fatalf("no VmRSS")
	return 0
}
