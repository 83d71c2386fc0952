package main

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// opsPerSecond runs op on n goroutines until d has passed, ctx ends, or each has
// run max times, and returns the operations per second. Goroutine w calls
// op(w); the first error ends that goroutine and is returned.
func opsPerSecond(ctx context.Context, n, max int, d time.Duration, op func(w int) error) (float64, error) {
	counts := make([]int, n)
	errs := make([]error, n)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := range n {
		wg.Go(func() {
			for counts[w] < max && ctx.Err() == nil && time.Now().Before(deadline) {
				if err := op(w); err != nil {
					errs[w] = err
					return
				}
				counts[w]++
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	total := 0
	for w := range n {
		if errs[w] != nil {
			return 0, fmt.Errorf("worker %d: %w", w, errs[w])
		}
		total += counts[w]
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return float64(total) / elapsed.Seconds(), nil
}
