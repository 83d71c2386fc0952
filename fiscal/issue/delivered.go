package issue

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/httpapi/wire"
	"github.com/fiscald/fiscald/journal"
)

// Delivery methods (§9).
const (
	MethodPrint = "print"
	MethodEmail = "email"
	MethodURL   = "url"
)

// Delivery says when and how a receipt reached its customer.
type Delivery struct {
	DeliveredAt time.Time `json:"DeliveredAt"`
	Method      string    `json:"DeliveryMethod"`
}

// deliver records the first delivery of a receipt; later ones do not
// change it.
func (s *Service) deliver(itemID, method string) error {
	s.chainMu.Lock()
	b := s.db.NewBatch()
	s.setDelivery(b, itemID, method)
	err := b.Commit()
	s.chainMu.Unlock()
	if err != nil {
		return &fiscal.Error{Code: fiscal.CodeStorage, Detail: "the delivery could not be recorded", Err: err}
	}
	return nil
}

// setDelivery adds the first delivery of a receipt to b, if it has none
// yet. Called with chainMu held, which orders deliveries.
func (s *Service) setDelivery(b *journal.Batch, itemID, method string) {
	key := fiscal.RecordKey(itemID, "")
	if _, err := s.db.Get(nsDelivered, key); err == nil {
		return
	}
	v, _ := json.Marshal(Delivery{DeliveredAt: s.now().UTC(), Method: method})
	b.Set(nsDelivered, key, v)
}

// Delivered reports the delivery of a receipt of the CashBox; ok is
// false before it was delivered, and fiscal.ErrReceiptNotFound names a
// pair the CashBox does not have.
func (s *Service) Delivered(cb *fiscal.CashBox, queueID, itemID string) (d Delivery, ok bool, err error) {
	r, err := s.fis.Receipt(cb, itemID)
	if err != nil {
		return d, false, err
	}
	if r.QueueID != queueID || !r.Receipt {
		return d, false, fiscal.ErrReceiptNotFound
	}
	v, err := s.db.Get(nsDelivered, fiscal.RecordKey(itemID, ""))
	if errors.Is(err, journal.ErrNotFound) {
		return d, false, nil
	}
	if err != nil {
		return d, false, err
	}
	return d, true, json.Unmarshal(v, &d)
}

// Message is the delivered status's message (§9).
func (d Delivery) Message() string {
	verb := map[string]string{MethodPrint: "printed", MethodEmail: "sent by e-mail", MethodURL: "opened"}[d.Method]
	return fmt.Sprintf("Receipt was %s at %s. DeliveryMethod: %s", verb, wire.FormatMoment(d.DeliveredAt), d.Method)
}
