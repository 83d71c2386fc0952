package httpapi_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/fiscald/fiscald/fiscal"
)

// BenchmarkSign measures the whole /v2/sign path in process (router,
// parsing, idempotency, RKSV signing, journal commit with fsync) without
// the network, with 16 CashBoxes signing in parallel.
func BenchmarkSign(b *testing.B) {
	e := newEnv(b, envOptions{boxes: 16})
	for _, bx := range e.Boxes {
		e.startQueue(bx)
	}
	h := e.srv.Config.Handler
	var next atomic.Int64
	b.SetParallelism(4) // 4 terminals per core-ish, like the load test's 16 × 4
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		bx := e.Boxes[int(next.Add(1))%len(e.Boxes)]
		i := 0
		for pb.Next() {
			i++
			body := receipt("b-"+strconv.Itoa(i), casePOS, sale("1.00", "2.00"))
			req := httptest.NewRequest(http.MethodPost, "/v2/sign", bytes.NewReader([]byte(body)))
			for k, v := range bx.headers(fiscal.NewUUID()) {
				req.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != 200 {
				b.Fatalf("%d %s", w.Code, w.Body)
			}
		}
	})
}

// BenchmarkPay measures one card payment end to end over loopback HTTP:
// the ZVT driver against the simulator over TCP (approved at once), with
// its three synced journal steps; a terminal runs one payment at a time,
// so payments are sequential. The sandbox variant runs 16 in parallel.
func BenchmarkPay(b *testing.B) {
	for _, protocol := range []string{"zvt", "test"} {
		b.Run(protocol, func(b *testing.B) {
			e, _ := payEnv(b, 0.0001, payOptions{})
			bx := e.Boxes[0]
			body := payBody("payment", protocol, 1250, "")
			b.ReportAllocs()
			b.ResetTimer()
			if protocol == "zvt" {
				for range b.N {
					if r := e.post(bx, "/v2/pay", body); r.Status != 200 {
						b.Fatalf("%d %s", r.Status, r.Body)
					}
				}
				return
			}
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if r := e.post(bx, "/v2/pay", body); r.Status != 200 {
						b.Errorf("%d %s", r.Status, r.Body)
						return
					}
				}
			})
		})
	}
}
