package httpserver

import (
	"testing"
	"time"
)

// TestPoolSubmitRacingStop queues a connection in the window where the
// pool stopped after submit checked, and its only worker has drained the
// queue but not yet exited: the connection must still run, not be left
// stranded in the queue.
func TestPoolSubmitRacingStop(t *testing.T) {
	for i := range 50 {
		first, second := new(conn), new(conn)
		release := make(chan struct{})
		ran := make(chan *conn, 2)
		p := newWorkerPool(PoolOptions{MaxWorkers: 1, QueueSize: 4, IdleTimeout: time.Minute}, func(c *conn) {
			if c == first {
				<-release
			}
			ran <- c
		})
		drained, pushed := make(chan struct{}), make(chan struct{})
		p.testBeforeQueue = func() { // in the second submit, past its stopped check
			p.stop()
			close(release)
			<-drained
		}
		p.testAfterDrain = func() { // in the worker, after serving first
			close(drained)
			<-pushed
		}
		if !p.submit(first) {
			t.Fatal("first submit refused")
		}
		accepted := p.submit(second)
		close(pushed)
		if !accepted {
			continue // refused: nothing to run
		}
		for range 2 {
			select {
			case <-ran:
			case <-time.After(5 * time.Second):
				t.Fatalf("round %d: a connection submit accepted never ran (stranded in the queue)", i)
			}
		}
	}
}
