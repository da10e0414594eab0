package harness

import (
	"log"
	"sync"
	"sync/atomic"
)

// OpenAll calls open(i) for i in [0, n), at most parallel at a time, and
// returns the n results. It logs the first three errors and exits the
// process if any open failed.
func OpenAll[T any](n, parallel int, open func(i int) (T, error)) []T {
	opened := make([]T, n)
	var failed atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallel)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := open(i)
			if err != nil {
				if failed.Add(1) <= 3 {
					log.Printf("%s: connection %d: %v", command(), i, err)
				}
				return
			}
			opened[i] = c
		}()
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		fatalf("%d of %d connections failed", f, n)
	}
	return opened
}
