package httpapi_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"github.com/fiscald/fiscald/fiscal"
)

func TestReplayReturnsIdenticalBytes(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := e.Boxes[0]
	e.startQueue(b)
	op := fiscal.NewUUID()
	body := receipt("r-1", casePOS, sale("7.80", "14.90"))
	first := e.postOp(b, "/v2/sign", op, body)
	if first.Status != 200 || first.Header.Get("x-idempotent-replay") != "" {
		t.Fatalf("first: %d replay=%q %s", first.Status, first.Header.Get("x-idempotent-replay"), first.Body)
	}
	// Same body re-serialised: other white space, member order, 2.0 vs 2.
	reordered := `{ "ftReceiptCase" : ` + between(body, `"ftReceiptCase":`, `}`) + `,` + strings.TrimPrefix(strings.Split(body, `,"ftReceiptCase"`)[0], "{") + "}"
	reordered = strings.Replace(reordered, `"Quantity":2,`, `"Quantity":2.0,`, 1)
	for i, b2 := range []string{body, reordered} {
		again := e.postOp(b, "/v2/sign", op, b2)
		if again.Status != 200 || !bytes.Equal(again.Body, first.Body) || again.Header.Get("x-idempotent-replay") != "true" {
			t.Fatalf("replay %d: %d replay=%q\n got %s\nwant %s", i, again.Status, again.Header.Get("x-idempotent-replay"), again.Body, first.Body)
		}
	}
	// Nothing was fiscalized twice: one queue item for the operation.
	items := e.post(b, "/v2/journal", `{"ftJournalType":3}`)
	if n := strings.Count(string(items.Body), `"operationId":"`+op+`"`); n != 1 {
		t.Fatalf("queue items for the operation: %d, want 1", n)
	}
	// Upper-case UUID is the same operation.
	if again := e.postOp(b, "/v2/sign", strings.ToUpper(op), body); !bytes.Equal(again.Body, first.Body) {
		t.Fatalf("upper-case operation id was not a replay: %s", again.Body)
	}
}

// between returns the text of s between after and the next before.
func between(s, after, before string) string {
	i := strings.Index(s, after) + len(after)
	j := strings.Index(s[i:], before)
	return s[i : i+j]
}

func TestSameIDOtherBodyIsConflict(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := e.Boxes[0]
	e.startQueue(b)
	op := fiscal.NewUUID()
	first := e.postOp(b, "/v2/sign", op, receipt("r-1", casePOS, sale("7.80", "14.90")))
	cases := []struct{ name, path, body string }{
		{"other amount", "/v2/sign", receipt("r-1", casePOS, sale("7.80", "14.91"))},
		{"extra null member", "/v2/sign", strings.Replace(receipt("r-1", casePOS, sale("7.80", "14.90")), `{`, `{"cbUser":null,`, 1)},
		{"other endpoint", "/v2/echo", `{"Message":"x"}`},
	}
	for _, tc := range cases {
		r := e.postOp(b, tc.path, op, tc.body)
		if r.Status != 409 || problemType(t, r) != "operation-conflict" || bytes.Contains(r.Body, []byte("ftQueueItemID")) {
			t.Errorf("%s: %d %s, want 409 without the stored outcome", tc.name, r.Status, r.Body)
		}
	}
	if r := e.post(b, "/v2/journal", `{"ftJournalType":3}`); strings.Count(string(r.Body), `"journalSeq":`) != 2 {
		t.Fatalf("conflicts created queue items: %s", r.Body)
	}
	_ = first
}

func TestConcurrentDuplicatesRunOnce(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := e.Boxes[0]
	e.startQueue(b)
	op := fiscal.NewUUID()
	body := receipt("dup", casePOS, sale("1.00", "2.00"))
	const n = 16
	out := make([]resp, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { out[i] = e.postOp(b, "/v2/sign", op, body) })
	}
	wg.Wait()
	replays := 0
	for i, r := range out {
		if r.Status != 200 || !bytes.Equal(r.Body, out[0].Body) {
			t.Fatalf("request %d: %d %s\nwant %s", i, r.Status, r.Body, out[0].Body)
		}
		if r.Header.Get("x-idempotent-replay") == "true" {
			replays++
		}
	}
	if replays != n-1 {
		t.Fatalf("%d replays, want %d", replays, n-1)
	}
	items := e.post(b, "/v2/journal", `{"ftJournalType":3}`)
	if c := strings.Count(string(items.Body), `"operationId":"`+op+`"`); c != 1 {
		t.Fatalf("%d queue items for one operation", c)
	}
}

func TestReplayAfterRestart(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := e.Boxes[0]
	e.startQueue(b)
	op, bad := fiscal.NewUUID(), fiscal.NewUUID()
	body := receipt("r-restart", casePOS, sale("3.00", "4.00"))
	first := e.postOp(b, "/v2/sign", op, body)
	badBody := receipt("r-bad", casePOS, sale("3.00", "4.00")+`,"cbReceiptAmount":99`)
	invalid := e.postOp(b, "/v2/sign", bad, badBody)
	if first.Status != 200 || invalid.Status != 400 {
		t.Fatalf("before restart: %d, %d %s", first.Status, invalid.Status, invalid.Body)
	}
	e.restart()
	if again := e.postOp(b, "/v2/sign", op, body); again.Status != 200 || !bytes.Equal(again.Body, first.Body) {
		t.Fatalf("after restart: %d\n got %s\nwant %s", again.Status, again.Body, first.Body)
	}
	// A stored validation outcome replays byte for byte (correlation id included).
	again := e.postOp(b, "/v2/sign", bad, badBody)
	if again.Status != 400 || !bytes.Equal(again.Body, invalid.Body) || again.Header.Get("x-idempotent-replay") != "true" {
		t.Fatalf("validation replay: %d\n got %s\nwant %s", again.Status, again.Body, invalid.Body)
	}
	if r := e.postOp(b, "/v2/sign", op, strings.Replace(body, "3.00", "3.01", 1)); r.Status != 409 {
		t.Fatalf("conflict after restart: %d", r.Status)
	}
	// The chain continues after the restart.
	if r := e.post(b, "/v2/sign", receipt("r-next", casePOS, sale("1.00", "1.00"))); r.Status != 200 || int(rowOf(t, r)) != 3 {
		t.Fatalf("next receipt after restart: %d row %d", r.Status, rowOf(t, r))
	}
}

func TestFreshEndpointsRecomputeButConflict(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := e.Boxes[0]
	op := fiscal.NewUUID()
	r1 := e.postOp(b, "/v2/echo", op, `{"Message":"a"}`)
	r2 := e.postOp(b, "/v2/echo", op, `{"Message":"a"}`)
	if r1.Status != 200 || r2.Status != 200 || r2.Header.Get("x-idempotent-replay") != "" {
		t.Fatalf("echo twice: %d %d replay=%q", r1.Status, r2.Status, r2.Header.Get("x-idempotent-replay"))
	}
	if r := e.postOp(b, "/v2/echo", op, `{"Message":"b"}`); r.Status != 409 {
		t.Fatalf("echo with another body: %d", r.Status)
	}
}
