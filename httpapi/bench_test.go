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
