package issue

import (
	"errors"

	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/internal/receipt"
)

// ErrNoPage means a receipt page does not exist for that path: an
// unknown item, a receipt that was never signed, or a wrong token (the
// three are not told apart).
var ErrNoPage = errors.New("issue: no such receipt page")

// Page returns the receipt behind a capability URL and records its first
// opening as the delivery. No CashBox credentials are needed: the token
// is the authorisation.
func (s *Service) Page(itemID, token string) (*receipt.Document, error) {
	if !s.tokens.valid(itemID, token) {
		return nil, ErrNoPage
	}
	r, err := s.fis.ReceiptByID(itemID)
	if errors.Is(err, fiscal.ErrReceiptNotFound) || (err == nil && !r.Receipt) {
		return nil, ErrNoPage
	}
	if err != nil {
		return nil, err
	}
	doc, err := receipt.Build(r.Request, r.Response)
	if err != nil {
		return nil, err
	}
	if err := s.deliver(itemID, MethodURL); err != nil {
		return nil, err
	}
	return doc, nil
}
