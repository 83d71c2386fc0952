package payment

import (
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/httpapi/wire"
	"github.com/fiscald/fiscald/journal"
)

// Record namespaces of the payment layer (docs/journal-format.md).
const (
	// nsFlight: cashbox(16) ‖ operation id -> flight JSON, while a payment
	// has no final outcome.
	nsFlight journal.Namespace = 'F'
	// nsItem: cashbox(16) ‖ ftPayItemId -> item JSON, for every pay item
	// /v2/pay returned.
	nsItem journal.Namespace = 'I'
)

// Entry types on the payment chain (the action journal's "Type").
const (
	typeStarted   = "pay-started"
	typeResult    = "pay-result"
	typeUnknown   = "pay-outcome-unknown"
	typeCompleted = "pay-completed"
)

// flight is the record of a payment without a final outcome: what a
// restart needs to settle it.
type flight struct {
	PaymentID   string `json:"paymentId"`
	OperationID string `json:"operationId"`
	Digest      string `json:"digest"` // hex
	Action      string `json:"action"`
	Protocol    string `json:"protocol"` // as requested
	Terminal    string `json:"terminal"`
	Amount      int64  `json:"amount"` // cents, negative for refund and cancel
	Description string `json:"description"`
	QueueID     string `json:"queueId"`
	Country     string `json:"country"`
	Original    string `json:"original,omitempty"` // ftPayItemId refunded or cancelled
	Correlation string `json:"correlationId"`
	Started     time.Time
	// Result is the terminal's result, once journaled (pay-result).
	Result *device.PayResult `json:"result,omitempty"`
}

// item is the record of one pay item /v2/pay returned: refunds and
// cancellations find their payment by it, /v2/sign links receipts to it.
type item struct {
	PaymentID   string `json:"paymentId"`
	OperationID string `json:"operationId"`
	Action      string `json:"action"`
	Protocol    string `json:"protocol"`
	Terminal    string `json:"terminal"`
	Amount      int64  `json:"amount"` // cents, as in the item
	Case        uint64 `json:"case"`
	ReceiptNo   string `json:"receiptNo,omitempty"`
	Trace       string `json:"trace,omitempty"`
	Tip         bool   `json:"tip,omitempty"`
	// Charged is the transaction's whole amount (a tip included), the
	// amount a cancellation reverses.
	Charged int64 `json:"charged"`
	// Seq is the pay-completed entry on the payment chain.
	Seq uint64 `json:"seq"`
	// Refunded (cents, positive) and Cancelled track what later /pay
	// calls undid.
	Refunded  int64 `json:"refunded,omitempty"`
	Cancelled bool  `json:"cancelled,omitempty"`
}

// entry is the body of a payment-chain entry: an action-journal line
// (fiscal's shape, so /v2/journal exports it as one) with Data.
type entry struct {
	Version int    `json:"v"`
	ID      string `json:"ftActionJournalID"`
	QueueID string `json:"ftQueueID"`
	Moment  string `json:"Moment"`
	Type    string `json:"Type"`
	Message string `json:"Message"`
	Data    any    `json:"Data"`
}

func encodeEntry(queueID string, t time.Time, typ, msg string, data any) []byte {
	b, _ := json.Marshal(entry{Version: 1, ID: fiscal.NewUUID(), QueueID: queueID, Moment: wire.FormatMoment(t), Type: typ, Message: msg, Data: data})
	return b
}

func opKeyOf(f *flight, cashboxID string) fiscal.OpKey {
	return fiscal.OpKey{CashBox: cashboxID, ID: f.OperationID}
}

func digestOf(s string) (d [32]byte) {
	b, _ := hex.DecodeString(s)
	copy(d[:], b)
	return d
}
