package payment

import (
	"encoding/json"

	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/journal"
)

// write collects one durable step of a payment: entries on the CashBox's
// payment chain and the records that go with them.
type write struct {
	s       *Service
	p       *payment
	chain   journal.ChainID
	entries [][2]string // type, message
	data    []any
	sets    []record
	dels    [][]byte
	out     *fiscal.Outcome
}

type record struct {
	ns    journal.Namespace
	key   []byte
	value []byte
}

func (s *Service) newWrite(p *payment) *write {
	return &write{s: s, p: p, chain: fiscal.PayChain(p.cashbox)}
}

func (w *write) append(typ, msg string, data any) {
	w.entries = append(w.entries, [2]string{typ, msg})
	w.data = append(w.data, data)
}

func (w *write) setFlight(p *payment) {
	v, _ := json.Marshal(p.f)
	w.sets = append(w.sets, record{nsFlight, fiscal.RecordKey(p.cashbox, p.f.OperationID), v})
}

func (w *write) setItem(id string, it *item) {
	v, _ := json.Marshal(it)
	w.sets = append(w.sets, record{nsItem, fiscal.RecordKey(w.p.cashbox, id), v})
}

// commit applies everything in one synced batch (under the chain's
// writer lock) and returns the sequence number of the last entry. Item
// records set before commit get that number.
func (w *write) commit() (uint64, error) {
	mu := w.s.chainLock(w.chain)
	mu.Lock()
	b := w.s.db.NewBatch()
	var seq uint64
	now := w.s.now().UTC()
	for i, e := range w.entries {
		var err error
		if seq, _, err = b.Append(w.chain, fiscal.KindPayment, now, encodeEntry(w.p.f.QueueID, now, e[0], e[1], w.data[i])); err != nil {
			mu.Unlock()
			b.Discard()
			return 0, err
		}
	}
	for _, r := range w.sets {
		if r.ns == nsItem {
			var it item
			if json.Unmarshal(r.value, &it) == nil && it.Seq == 0 {
				it.Seq = seq
				r.value, _ = json.Marshal(&it)
			}
		}
		if err := b.Set(r.ns, r.key, r.value); err != nil {
			mu.Unlock()
			b.Discard()
			return 0, err
		}
	}
	for _, k := range w.dels {
		if err := b.Delete(nsFlight, k); err != nil {
			mu.Unlock()
			b.Discard()
			return 0, err
		}
	}
	if w.out != nil {
		if err := w.s.fis.StoreOutcome(b, w.p.key, w.p.digest, *w.out); err != nil {
			mu.Unlock()
			b.Discard()
			return 0, err
		}
	}
	err := b.Apply()
	mu.Unlock()
	if err != nil {
		b.Discard()
		return 0, err
	}
	return seq, b.Wait()
}
