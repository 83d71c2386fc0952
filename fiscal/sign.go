package fiscal

import (
	"github.com/fiscald/fiscald/httpapi/wire"
)

// SignRequest is one decoded /sign call.
type SignRequest struct {
	CashBox     *CashBox
	PosSystemID string
	Request     *wire.ReceiptRequest
	// Raw is the request body as received; it is journaled verbatim.
	Raw []byte
}

// Sign fiscalizes a receipt as part of operation op (from Do). A request
// that fails validation returns an *Error the caller stores as the outcome;
// otherwise the queue item, its response and the operation record are
// written together and the returned Outcome is already stored and synced.
func (s *Service) Sign(op *Operation, sr SignRequest) (Outcome, error) {
	cv, q, notes, err := s.validate(sr.CashBox, sr.PosSystemID, sr.Request)
	if err != nil {
		return Outcome{}, err
	}
	if s.payItems != nil && len(sr.Request.PayItems) > 0 {
		notes = append(notes, s.payItems.LinkNotes(sr.CashBox.ID, sr.Request.PayItems)...)
	}
	return q.submit(&job{op: op, req: sr.Request, cv: cv, raw: sr.Raw, posSystemID: sr.PosSystemID, notes: notes})
}
