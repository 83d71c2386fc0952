package fiscal

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/fiscald/fiscald/journal"
)

// Journal namespaces and entry kinds of the fiscal layer
// (docs/journal-format.md lists them).
const (
	nsCashBox   journal.Namespace = 'c' // cashbox id -> cashboxRecord JSON
	nsOperation journal.Namespace = 'o' // cashbox(16) ‖ operation id -> operation record
	nsRef       journal.Namespace = 'p' // queue(16) ‖ cbReceiptReference -> seq(8) ‖ flags(1)
	nsRequested journal.Namespace = 'r' // queue(16) ‖ sha256(ref, terminal, case) -> seq(8)
	nsState     journal.Namespace = 's' // "run" -> "running" | "clean"; "itemIndex" -> "1"
	nsItemIndex journal.Namespace = 'q' // queue item id (16) -> queue chain (16) ‖ seq (8)

	// KindQueueItem is a /sign request's queue item.
	KindQueueItem journal.Kind = 1
	// KindAction is an action-journal entry (notes, lifecycle events).
	KindAction journal.Kind = 2
	// KindPayment is one step of a /v2/pay operation, in the shape of an
	// action-journal entry, on the CashBox's payment chain (PayChain).
	KindPayment journal.Kind = 3
	// KindIssue is one step of handing a receipt over (a print job), in
	// the shape of an action-journal entry, on the CashBox's issue chain.
	KindIssue journal.Kind = 4
)

// IssueChain is the journal chain of a CashBox's print jobs and other
// hand-overs of receipts, beside its queues and payments.
func IssueChain(cashboxID string) journal.ChainID { return sideChain("fiscald issue chain", cashboxID) }

// PayChain is the journal chain of a CashBox's payments. Payments have
// their own chain beside the queues': a payment takes minutes and runs
// beside receipts, and a queue's chain has one writer, its worker.
func PayChain(cashboxID string) journal.ChainID { return sideChain("fiscald payment chain", cashboxID) }

// sideChain derives the id of a CashBox's chain for one purpose.
func sideChain(purpose, cashboxID string) journal.ChainID {
	sum := sha256.Sum256([]byte(purpose + "\x00" + strings.ToLower(cashboxID)))
	var c journal.ChainID
	copy(c[:], sum[:])
	return c
}

// refFlagVoided marks a receipt that a later void receipt cancelled.
const refFlagVoided = 1

// newUUID returns a random (version 4) UUID in lower case.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
	return string(out[:])
}

// NewUUID returns a random UUID; provisioning uses it for new ids.
func NewUUID() string { return newUUID() }
