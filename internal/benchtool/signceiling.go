package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"runtime"
	"sync"
	"time"
)

// maxSignsPerWorker bounds a sign-ceiling worker in count; a P-256
// signature takes tens of microseconds, so the time bound ends it first.
const maxSignsPerWorker = 10_000_000

// signCeiling is the first ceiling: raw ECDSA P-256 signatures per second
// with one goroutine per core, the most the simulated signature devices can
// deliver on this machine.
func signCeiling(ctx context.Context, d time.Duration) (rate float64, workers int, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return 0, 0, fmt.Errorf("sign ceiling: key: %w", err)
	}
	digest := sha256.Sum256([]byte("fiscald bench sign ceiling"))
	workers = runtime.GOMAXPROCS(0)
	counts := make([]int, workers)
	errs := make([]error, workers)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for counts[w] < maxSignsPerWorker && ctx.Err() == nil && time.Now().Before(deadline) {
				if _, _, err := ecdsa.Sign(rand.Reader, key, digest[:]); err != nil {
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
	for w := range workers {
		if errs[w] != nil {
			return 0, workers, fmt.Errorf("sign ceiling: %w", errs[w])
		}
		total += counts[w]
	}
	if err := ctx.Err(); err != nil {
		return 0, workers, fmt.Errorf("sign ceiling: %w", err)
	}
	return float64(total) / elapsed.Seconds(), workers, nil
}
