package cryptoki_test

import (
	"context"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/pkcs11"

	"github.com/fiscald/fiscald/device/cryptoki"
	"github.com/fiscald/fiscald/device/cryptoki/softhsm"
)

// cashBoxes is how many callers share one token in the benchmarks.
const cashBoxes = 8

// benchRig loads the module without a fault injector and provisions a
// token; raw is the library's own API for BenchmarkRawSign.
func benchRig(b *testing.B) (m *cryptoki.Module, raw cryptoki.API, tok softhsm.Token) {
	path := softhsm.Module(b)
	softhsm.Env(b)
	m, err := cryptoki.Load(path, cryptoki.ModuleOptions{Wrap: func(a cryptoki.API) cryptoki.API { raw = a; return a }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	return m, raw, softhsm.ProvisionWith(b, m, "bench", "rksv-sig", "1234")
}

// BenchmarkSign signs through the Signer from 8 goroutines (8 CashBoxes
// sharing one token) with a pool of one session per core. busy% is the
// share of the pool's time spent inside SignInit+Sign: what fiscald leaves
// of the device's capacity.
func BenchmarkSign(b *testing.B) {
	m, _, tok := benchRig(b)
	cfg := tok.Config("bench")
	cfg.Sessions = runtime.GOMAXPROCS(0)
	cfg.Log = slog.New(slog.DiscardHandler)
	s, err := m.Open(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	digest := digestOf("eyJhbGciOiJFUzI1NiJ9.bench")

	b.SetParallelism((cashBoxes + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ReportAllocs()
	busy := s.Health().Busy
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			if _, err := s.Sign(ctx, digest); err != nil {
				b.Error(err)
				return
			}
		}
	})
	elapsed := time.Since(start)
	busy = s.Health().Busy - busy
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "sig/s")
	b.ReportMetric(100*busy.Seconds()/elapsed.Seconds(), "busy%")
}

// BenchmarkRawSign is the same load with none of the driver: one
// goroutine per session looping SignInit+Sign, as many sessions as
// BenchmarkSign's pool.
func BenchmarkRawSign(b *testing.B) {
	m, raw, tok := benchRig(b)
	slots, err := cryptoki.ListSlots(m)
	if err != nil {
		b.Fatal(err)
	}
	var slot uint
	for _, si := range slots {
		if si.Label == tok.Label {
			slot = si.ID
		}
	}
	n := runtime.GOMAXPROCS(0)
	sessions := make([]pkcs11.SessionHandle, n)
	for i := range sessions {
		if sessions[i], err = raw.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION); err != nil {
			b.Fatal(err)
		}
		defer raw.CloseSession(sessions[i])
	}
	if err := raw.Login(sessions[0], pkcs11.CKU_USER, tok.PIN); err != nil {
		b.Fatal(err)
	}
	if err := raw.FindObjectsInit(sessions[0], []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_ID, tok.KeyID),
	}); err != nil {
		b.Fatal(err)
	}
	keys, _, err := raw.FindObjects(sessions[0], 1)
	raw.FindObjectsFinal(sessions[0])
	if err != nil || len(keys) != 1 {
		b.Fatalf("find key: %v, %d keys", err, len(keys))
	}
	mech := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}
	digest := digestOf("eyJhbGciOiJFUzI1NiJ9.bench")

	b.ReportAllocs()
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for _, sh := range sessions {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				if err := raw.SignInit(sh, mech, keys[0]); err != nil {
					b.Error(err)
					return
				}
				if _, err := raw.Sign(sh, digest); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "sig/s")
}
