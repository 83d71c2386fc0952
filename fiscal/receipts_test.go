package fiscal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"

	"github.com/fiscald/fiscald/httpapi/wire"
	"github.com/fiscald/fiscald/journal"
)

// TestReceiptLookup finds queue items by id for their own CashBox only,
// also in a journal written before the item index existed.
func TestReceiptLookup(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "journal")
	ids := [2]string{"5a1e2f3c-9d8b-4c7a-b6e5-f4d3c2b1a090", "6b2f3a4d-0e9c-4d8b-a7f6-05e4d3c2b1a1"}
	queues := [2]string{"8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c01", "9e404f2f-3c8b-4d66-8b1f-7a2a5c3b0d12"}
	open := func() (*journal.DB, *Service) {
		db, err := journal.Open(dir, journal.Options{})
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewService(Options{DB: db, Markets: []Market{&recordingMarket{}}})
		if err != nil {
			t.Fatal(err)
		}
		for i := range ids {
			if _, _, err := s.Provision(CashBoxSpec{ID: ids[i], TokenHash: HashToken("t"),
				Queues: []QueueSpec{{ID: queues[i], Country: AT, Params: []byte(`{}`)}}}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		return db, s
	}
	db, s := open()
	raw := []byte(`{"cbReceiptReference":"start","cbReceiptMoment":"2026-11-30T10:00:00Z","cbChargeItems":[],"cbPayItems":[],"ftReceiptCase":4707422694881116161}`)
	v, err := wire.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	req, err := wire.DecodeReceiptRequest(v)
	if err != nil {
		t.Fatal(err)
	}
	a := s.CashBox(ids[0])
	out, _, err := s.Do(context.Background(), OpKey{CashBox: a.ID, ID: "op-1"}, wire.Digest("POST", "/v2/sign", v), Stored, func(op *Operation) (Outcome, error) {
		return s.Sign(op, SignRequest{CashBox: a, PosSystemID: ids[0], Request: req, Raw: raw})
	})
	if err != nil {
		t.Fatal(err)
	}
	var resp struct {
		ItemID string `json:"ftQueueItemID"`
	}
	if err := json.Unmarshal(out.Body, &resp); err != nil || resp.ItemID == "" {
		t.Fatalf("response %s: %v", out.Body, err)
	}
	check := func(s *Service) {
		t.Helper()
		r, err := s.Receipt(s.CashBox(ids[0]), resp.ItemID)
		if err != nil || !bytes.Equal(r.Request, raw) || !bytes.Equal(r.Response, out.Body) || r.QueueID != queues[0] || !r.Receipt {
			t.Fatalf("Receipt = %+v, %v", r, err)
		}
		if _, err := s.Receipt(s.CashBox(ids[1]), resp.ItemID); !errors.Is(err, ErrReceiptNotFound) {
			t.Errorf("another CashBox's item: %v", err)
		}
		for _, id := range []string{NewUUID(), "not-a-uuid", ""} {
			if _, err := s.ReceiptByID(id); !errors.Is(err, ErrReceiptNotFound) {
				t.Errorf("ReceiptByID(%q): %v", id, err)
			}
		}
	}
	check(s)

	// A journal from before the index: the next start indexes it.
	s.Close()
	b := db.NewBatch()
	b.Delete(nsItemIndex, itemIndexKey(resp.ItemID))
	b.Delete(nsState, itemIndexState)
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReceiptByID(resp.ItemID); !errors.Is(err, ErrReceiptNotFound) {
		t.Fatalf("index not removed: %v", err)
	}
	db.Close()
	db, s = open()
	defer db.Close()
	defer s.Close()
	check(s)
}
