package middleware

import (
	"testing"
	"time"
)

func TestReadProcStat(t *testing.T) {
	a, ok := readProcStat()
	if !ok || a.vsize == 0 || a.rss == 0 || a.start == 0 {
		t.Fatalf("readProcStat = %+v, %v", a, ok)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) { // burn CPU until a tick is counted
		b, _ := readProcStat()
		if b.utime+b.stime > a.utime+a.stime {
			return
		}
	}
	t.Errorf("CPU time did not advance in 5s of busy looping")
}
