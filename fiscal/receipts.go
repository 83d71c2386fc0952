package fiscal

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/fiscald/fiscald/journal"
)

// StoredReceipt is a queue item as the journal holds it: what /v2/issue
// renders and prints, never the client's copy.
type StoredReceipt struct {
	CashBox     *CashBox
	QueueID     string
	QueueItemID string
	Row         uint64
	Moment      time.Time
	// Receipt reports that the item made a receipt (signed, not an error).
	Receipt bool
	// Request and Response are the bytes received and answered.
	Request, Response []byte
}

// ErrReceiptNotFound means no queue item with that id exists for the
// caller.
var ErrReceiptNotFound = errors.New("fiscal: queue item not found")

// Receipt returns a queue item of the CashBox by its id. An item of
// another CashBox is ErrReceiptNotFound, exactly like an unknown id.
func (s *Service) Receipt(cb *CashBox, itemID string) (*StoredReceipt, error) {
	r, err := s.ReceiptByID(itemID)
	if err != nil {
		return nil, err
	}
	if r.CashBox != cb {
		return nil, ErrReceiptNotFound
	}
	return r, nil
}

// ReceiptByID returns a queue item by its id alone, for a caller that
// authorised the access otherwise (a receipt's capability URL).
func (s *Service) ReceiptByID(itemID string) (*StoredReceipt, error) {
	v, err := s.db.Get(nsItemIndex, itemIndexKey(itemID))
	switch {
	case errors.Is(err, journal.ErrNotFound):
		return nil, ErrReceiptNotFound
	case err != nil:
		return nil, &Error{Code: CodeStorage, Detail: "the journal cannot be read", Err: err}
	case len(v) != 24:
		return nil, fmt.Errorf("fiscal: item index of %s is malformed", itemID)
	}
	var chain journal.ChainID
	copy(chain[:], v[:16])
	q := s.queueByChain(chain)
	if q == nil {
		return nil, ErrReceiptNotFound
	}
	e, err := s.db.Entry(chain, binary.BigEndian.Uint64(v[16:]))
	if err != nil {
		return nil, &Error{Code: CodeStorage, Detail: "the journal cannot be read", Err: err}
	}
	var it storedItem
	if err := json.Unmarshal(e.Body, &it); err != nil {
		return nil, fmt.Errorf("fiscal: queue item %s: %w", itemID, err)
	}
	return &StoredReceipt{CashBox: q.CashBox, QueueID: q.ID, QueueItemID: it.QueueItemID, Row: it.QueueRow, Moment: it.QueueMoment,
		Receipt: it.Receipt, Request: it.Request, Response: it.Response}, nil
}

func (s *Service) queueByChain(c journal.ChainID) *Queue {
	for _, cb := range s.cashboxList {
		for _, q := range cb.Queues {
			if q.chain == c {
				return q
			}
		}
	}
	return nil
}

// itemIndexKey is a queue item's record key.
func itemIndexKey(id string) []byte { return RecordKey(id, "") }

// RecordKey is the key of a record about a UUID (a CashBox, a queue
// item): its 16 bytes followed by suffix. Text that is not a UUID gets a
// key no UUID has, so a lookup by it finds nothing.
func RecordKey(uuid, suffix string) []byte {
	u, err := journal.ParseChainID(uuid)
	if err != nil {
		return append([]byte("invalid\x00"), suffix...)
	}
	return append(u[:], suffix...)
}

// itemIndexVersion marks a journal whose queue items are all indexed.
var (
	itemIndexState   = []byte("itemIndex")
	itemIndexVersion = []byte("1")
)

// indexItems builds the item index of a journal written before it
// existed: once, at start.
func (s *Service) indexItems() error {
	if v, err := s.db.Get(nsState, itemIndexState); err == nil && string(v) == string(itemIndexVersion) {
		return nil
	}
	b := s.db.NewBatch()
	for _, cb := range s.cashboxList {
		for _, q := range cb.Queues {
			err := s.db.Scan(q.chain, 0, 0, func(e journal.Entry) error {
				if e.Kind != KindQueueItem {
					return nil
				}
				var head struct {
					ID string `json:"ftQueueItemID"`
				}
				if err := json.Unmarshal(e.Body, &head); err != nil {
					return fmt.Errorf("fiscal: queue %s entry %d: %w", q.ID, e.Seq, err)
				}
				return b.Set(nsItemIndex, itemIndexKey(head.ID), binary.BigEndian.AppendUint64(append([]byte(nil), q.chain[:]...), e.Seq))
			})
			if err != nil {
				b.Discard()
				return err
			}
		}
	}
	b.Set(nsState, itemIndexState, itemIndexVersion)
	return b.Commit()
}
