package httpserver

import (
	"sync"
	"testing"
	"time"
)

// TestPoolTrickleKeepsFewWorkers: after a burst started four workers, a
// trickle of one task at a time goes to a worker idle most recently (the
// one just done, or the one before it if that is not back yet), so at
// least two find no work and retire while the trickle goes on; a
// hand-off to whichever worker waited longest would keep all four busy.
func TestPoolTrickleKeepsFewWorkers(t *testing.T) {
	ran := make(chan struct{}, 1)
	hold := make(chan struct{})
	var burst sync.WaitGroup
	p := newWorkerPool(PoolOptions{MaxWorkers: 4, QueueSize: 4, IdleTimeout: 20 * time.Millisecond}, func(c *conn) {
		if c.lingering { // the burst's tasks wait until all four run
			burst.Done()
			<-hold
			return
		}
		ran <- struct{}{}
	})
	defer p.stop()
	burst.Add(4)
	for range 4 {
		if !p.submit(&conn{lingering: true}) {
			t.Fatal("burst submit refused")
		}
	}
	burst.Wait()
	close(hold)
	deadline := time.Now().Add(3 * time.Second)
	for p.workers.Load() > 2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d workers still running after 3s of a one-at-a-time trickle", p.workers.Load())
		}
		if !p.submit(new(conn)) {
			t.Fatal("trickle submit refused")
		}
		<-ran
	}
}
