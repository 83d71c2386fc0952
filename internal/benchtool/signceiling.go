package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"runtime"
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
	rate, err = opsPerSecond(ctx, workers, maxSignsPerWorker, d, func(int) error {
		_, _, err := ecdsa.Sign(rand.Reader, key, digest[:])
		return err
	})
	if err != nil {
		return 0, workers, fmt.Errorf("sign ceiling: %w", err)
	}
	return rate, workers, nil
}
