package fiscal

import (
	"context"
	"io"
	"time"

	"github.com/fiscald/fiscald/httpapi/wire"
)

// Market is one country's fiscal rules. cmd/fiscald constructs the markets
// it supports (with the signature devices they may use) and passes them to
// NewService, so this package never imports a market.
type Market interface {
	// Country is the country whose case values this market handles.
	Country() Country
	// Provision turns the market parameters of a new queue (from the YAML
	// configuration or the demo) into the configuration stored with the
	// queue, creating whatever secrets it needs (AT: the AES key).
	Provision(queueID string, params []byte) (config []byte, err error)
	// OpenRegister restores a queue's register from its stored
	// configuration and the state its last queue item recorded (nil for a
	// queue without items). clean reports that the daemon last stopped
	// cleanly; after a crash up to MaxPipeline receipts per queue may have
	// been made (and their payloads sent to a device) without being
	// committed, and a market must not reuse their numbers.
	OpenRegister(queueID string, config, state []byte, clean bool) (Register, error)
	// JournalTypes lists the market export types (ftJournalType values,
	// version nibble 0) this market serves.
	JournalTypes() []uint64
}

// Register is a market's state machine for one queue. Its queue calls it
// from one goroutine at a time; Status may be called concurrently.
//
// Fiscalize computes a receipt without changing the register; Commit adopts
// the result once the journal has applied the queue item. A result that was
// never committed (storage failure) leaves the register as it was, except
// for numbers that were consumed (a payload that left the process) which the
// register must never hand out again.
type Register interface {
	// Identification is the legal id of the register to print
	// (ftCashBoxIdentification; AT: the Kassen-ID).
	Identification() string
	// Fiscalize makes the market's receipt for one validated request.
	Fiscalize(ctx context.Context, in *Input) (*Result, error)
	// Commit adopts a result after its queue item was applied, also a
	// result with Error set (it may have consumed receipt numbers).
	Commit(r *Result)
	// State is the register's current state (JSON), as OpenRegister takes
	// it back: the queue stores it with items the market did not see, so
	// that the newest item always holds the state to restore, including
	// receipt numbers consumed by results that were never committed.
	State() []byte
	// Status reports the market's part of ftState at time now and an
	// optional ftStateData object (JSON).
	Status(now time.Time) (local uint16, global uint32, data []byte)
	// Export writes a market export (journalType without version nibble)
	// of the given queue items to w, which is a spool file; it returns the
	// file name a client should save it under and the content type.
	Export(ctx context.Context, w io.Writer, journalType uint64, items ItemSource) (filename, contentType string, err error)
	// Info describes the register for the configuration journal (type
	// 255), without secrets.
	Info() map[string]any
}

// Initiator is implemented by a Register that sometimes needs a receipt
// no POS asked for (AT: the Sammelbeleg that closes a signature-device
// outage, rksv.md §4.5). Its queue asks before every request and whenever
// Wake fires, and makes that receipt as a queue item of its own, so it is
// serialized with the register's other receipts and journaled like them.
type Initiator interface {
	// Due returns the ftReceiptCase of the receipt the register needs
	// before anything else (0: none) and a channel that is closed when
	// that may change without a request arriving (nil: only requests
	// change it). The queue goroutine calls it.
	Due() (receiptCase uint64, wake <-chan struct{})
}

// EchoReporter is implemented by a Register that adds members to its
// queue's entry in /v2/echo Capabilities.Queues (AT: "Signer").
type EchoReporter interface {
	// EchoInfo returns a JSON object whose members are added to the
	// entry. It may be called concurrently with the queue goroutine.
	EchoInfo(now time.Time) []byte
}

// ItemSource streams the market data of a range of queue items in order.
type ItemSource func(fn func(MarketItem) error) error

// MarketItem is the market's record of one queue item, as it stored it.
type MarketItem struct {
	Row    uint64
	Moment time.Time
	Data   []byte // Result.Data of the item; nil if the market stored none
}

// Input is one receipt for the market to fiscalize.
type Input struct {
	Request *wire.ReceiptRequest
	Case    CaseValue
	// Moment is the processing time (ftReceiptMoment).
	Moment time.Time
	// Numerator is the queue's receipt counter this receipt takes if it
	// becomes a receipt; the market prints it in ftReceiptIdentification.
	Numerator uint64
	// Row is the ftQueueRow of the queue item.
	Row uint64
	// Started reports whether the queue's initial operation was done.
	Started bool
	// Initiated marks a receipt the register asked for itself (Initiator):
	// no POS waits for its response.
	Initiated bool
}

// Result is the market's answer for one receipt.
type Result struct {
	// Receipt is set when a receipt was made (the numerator is consumed).
	Receipt bool
	// Error, if not empty, makes the item a receipt error (ftState
	// …EEEE_EEEE) with this reason; nothing was fiscalized.
	Error string
	// Identification is ftReceiptIdentification.
	Identification string
	Signatures     []wire.SignatureItem
	// Local and Global are the market's part of ftState after the receipt.
	Local  uint16
	Global uint32
	// StateData is an optional ftStateData object (JSON).
	StateData []byte
	// Kind names what was made, for metrics and logs ("standard", "null"…).
	Kind string
	// Data is the market's record of the receipt (JSON), stored with the
	// queue item and handed back to Export.
	Data []byte
	// State is the register's state after the receipt (JSON), stored with
	// the queue item and handed to OpenRegister on restart.
	State []byte
	// Notes are action-journal messages about this receipt.
	Notes []string
}
