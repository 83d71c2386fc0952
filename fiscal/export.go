package fiscal

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/fiscald/fiscald/httpapi/wire"
	"github.com/fiscald/fiscald/journal"
)

// Generic journal types (§10.3).
const (
	JournalVersion       uint64 = 0x00
	JournalActions       uint64 = 0x01
	JournalReceipts      uint64 = 0x02
	JournalQueueItems    uint64 = 0x03
	JournalConfiguration uint64 = 0xFF
)

// knownMarketJournals are the market journal types of §10.3 by country;
// a country listed with nil has journals fiscald never serves.
var knownMarketJournals = map[Country][]uint64{
	AT:     {1},
	DE:     {0, 1, 2, 3},
	0x4652: nil, // FR
	0x4954: nil, // IT
	0x4553: nil, // ES
	0x5054: nil, // PT
	0x4752: nil, // GR
	0x4245: nil, // BE
}

// Export is a prepared /v2/journal answer. Streamed exports are JSON arrays
// written while the journal is read; market exports must be written to a
// spool file first (they can still fail before the first byte is sent).
type Export struct {
	Streamed    bool
	ContentType string
	// Filename is set by WriteTo for market exports.
	Filename string
	db       *journal.DB
	write    func(ctx context.Context, w io.Writer) (string, string, error)
}

// WriteTo writes the export. For a market export it also sets Filename and
// ContentType. It first makes everything applied so far durable: an export
// hands receipts to the outside, and a crash must not take back what an
// auditor already holds.
func (e *Export) WriteTo(ctx context.Context, w io.Writer) error {
	if err := e.db.Sync(); err != nil {
		return err
	}
	name, ct, err := e.write(ctx, w)
	if name != "" {
		e.Filename = name
	}
	if ct != "" {
		e.ContentType = ct
	}
	return err
}

// rangeFilter selects queue items and actions by time or queue row.
type rangeFilter struct {
	fromTicks, toTicks int64
	limit, taken       int64
	fromRow, toRow     uint64
	byRow              bool
}

// ticksOf converts a time to .NET ticks (100 ns since 0001-01-01 UTC).
func ticksOf(t time.Time) int64 { return t.UnixNano()/100 + 621_355_968_000_000_000 }

func newRangeFilter(r *wire.JournalRequest) rangeFilter {
	f := rangeFilter{fromTicks: r.From}
	switch {
	case r.FromQueueRow != nil || r.ToQueueRow != nil:
		f.byRow = true
		if r.FromQueueRow != nil && *r.FromQueueRow > 0 {
			f.fromRow = uint64(*r.FromQueueRow)
		}
		if r.ToQueueRow != nil && *r.ToQueueRow > 0 {
			f.toRow = uint64(*r.ToQueueRow)
		}
	case r.To > 0:
		f.toTicks = r.To
	case r.To < 0:
		f.limit = -r.To
	}
	return f
}

// accept reports whether an item (row, moment) is in range; done reports that
// no later item can be.
func (f *rangeFilter) accept(row uint64, t time.Time) (ok, done bool) {
	if f.byRow {
		if f.toRow != 0 && row > f.toRow {
			return false, true
		}
		return row >= f.fromRow, false
	}
	ticks := ticksOf(t)
	if f.toTicks != 0 && ticks > f.toTicks {
		return false, true
	}
	if ticks < f.fromTicks {
		return false, false
	}
	if f.limit > 0 {
		if f.taken == f.limit {
			return false, true
		}
		f.taken++
	}
	return true, false
}

// Export validates a /v2/journal request and prepares its answer.
func (s *Service) Export(cb *CashBox, r *wire.JournalRequest) (*Export, error) {
	queues := cb.Queues
	if r.QueueID != "" {
		q := cb.QueueByID(r.QueueID)
		if q == nil {
			return nil, fieldError("ftQueueID", "unknown", "is not a queue of this CashBox")
		}
		queues = []*Queue{q}
	}
	country := Country(r.JournalType >> 48)
	if v := (r.JournalType >> 44) & 0xF; v != 0 && v != versionV2 {
		return nil, caseError(CodeUnknownCase, "ftJournalType", "version nibble %d is not 0 or 2", v)
	}
	base := r.JournalType &^ (0xF << 44)
	if country == 0 {
		return s.genericExport(cb, queues, base, r)
	}
	known, isKnown := knownMarketJournals[country]
	if !isKnown || !contains(known, uint64(uint16(base))) && known != nil || base&0x0000_0FFF_FFFF_0000 != 0 {
		return nil, caseError(CodeUnknownCase, "ftJournalType", "0x%016X is not a defined journal type", r.JournalType)
	}
	q := cb.QueueFor(country)
	if q == nil || (r.QueueID != "" && queues[0] != q) {
		return nil, &Error{Code: CodeNotImplemented, Detail: fmt.Sprintf("ftJournalType 0x%016X: this CashBox has no %s queue", r.JournalType, country)}
	}
	m := s.markets[country]
	if !contains(m.JournalTypes(), base&0xFFFF) {
		return nil, &Error{Code: CodeNotImplemented, Detail: fmt.Sprintf("ftJournalType 0x%016X is not provided by fiscald", r.JournalType)}
	}
	filter := newRangeFilter(r)
	return &Export{db: s.db, write: func(ctx context.Context, w io.Writer) (string, string, error) {
		src := func(fn func(MarketItem) error) error {
			return s.scanItems(ctx, q, &filter, func(e journal.Entry, it *storedItem) error {
				if !it.Receipt || len(it.Market) == 0 || string(it.Market) == "null" {
					return nil
				}
				return fn(MarketItem{Row: it.QueueRow, Moment: it.QueueMoment, Data: it.Market})
			})
		}
		return q.reg.Export(ctx, w, base&0xFFFF, src)
	}}, nil
}

func contains(list []uint64, v uint64) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// genericExport prepares the market-independent journal types.
func (s *Service) genericExport(cb *CashBox, queues []*Queue, t uint64, r *wire.JournalRequest) (*Export, error) {
	filter := newRangeFilter(r)
	stream := func(fn func(ctx context.Context, w *bufio.Writer) error) *Export {
		return &Export{Streamed: true, ContentType: "application/json; charset=utf-8", db: s.db, write: func(ctx context.Context, w io.Writer) (string, string, error) {
			bw := bufio.NewWriterSize(w, 32<<10)
			if err := fn(ctx, bw); err != nil {
				return "", "", err
			}
			return "", "", bw.Flush()
		}}
	}
	switch t {
	case JournalVersion:
		return stream(func(_ context.Context, w *bufio.Writer) error {
			return json.NewEncoder(w).Encode(struct{ Assembly, AssemblyVersion string }{"fiscald", s.version})
		}), nil
	case JournalConfiguration:
		return stream(func(_ context.Context, w *bufio.Writer) error { return s.writeConfiguration(w, cb) }), nil
	case JournalActions, JournalReceipts, JournalQueueItems:
		return stream(func(ctx context.Context, w *bufio.Writer) error {
			a := arrayWriter{w: w}
			a.open()
			for _, q := range queues {
				var err error
				switch t {
				case JournalActions:
					err = s.writeActions(ctx, q.chain, KindAction, &filter, &a)
				case JournalReceipts:
					err = s.writeReceipts(ctx, q, &filter, &a)
				default:
					err = s.writeQueueItems(ctx, q, &filter, &a)
				}
				if err != nil {
					return err
				}
			}
			if t == JournalActions {
				// The CashBox's /v2/pay steps have their own chain.
				if err := s.writeActions(ctx, PayChain(cb.ID), KindPayment, &filter, &a); err != nil {
					return err
				}
				if err := s.writeActions(ctx, IssueChain(cb.ID), KindIssue, &filter, &a); err != nil {
					return err
				}
			}
			return a.close()
		}), nil
	}
	return nil, caseError(CodeUnknownCase, "ftJournalType", "0x%X is not a defined journal type", r.JournalType)
}

// arrayWriter writes a JSON array element by element.
type arrayWriter struct {
	w *bufio.Writer
	n int
}

func (a *arrayWriter) open() { a.w.WriteByte('[') }

func (a *arrayWriter) next() *bufio.Writer {
	if a.n > 0 {
		a.w.WriteByte(',')
	}
	a.n++
	return a.w
}

func (a *arrayWriter) close() error {
	a.w.WriteByte(']')
	return nil
}

// scanItems walks the queue items of a queue in range, decoding each.
func (s *Service) scanItems(ctx context.Context, q *Queue, f *rangeFilter, fn func(journal.Entry, *storedItem) error) error {
	return s.db.Scan(q.chain, 0, 0, func(e journal.Entry) error {
		if e.Kind != KindQueueItem {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		var it storedItem
		if err := json.Unmarshal(e.Body, &it); err != nil {
			return fmt.Errorf("fiscal: queue %s entry %d: %w", q.ID, e.Seq, err)
		}
		ok, done := f.accept(it.QueueRow, e.Time)
		if done {
			return errStopScan
		}
		if !ok {
			return nil
		}
		return fn(e, &it)
	})
}

// errStopScan ends a scan early without an error.
var errStopScan = errors.New("stop scan")

func ignoreStop(err error) error {
	if err == errStopScan {
		return nil
	}
	return err
}

// queueItemHead is the metadata of a type-3 item; request and response
// follow it verbatim.
type queueItemHead struct {
	QueueItemID   string `json:"ftQueueItemID"`
	QueueID       string `json:"ftQueueID"`
	QueueRow      uint64 `json:"ftQueueRow"`
	QueueMoment   string `json:"ftQueueMoment"`
	OperationID   string `json:"operationId"`
	PosSystemID   string `json:"posSystemId"`
	RequestDigest string `json:"requestDigest"`
}

func (s *Service) writeQueueItems(ctx context.Context, q *Queue, f *rangeFilter, a *arrayWriter) error {
	return ignoreStop(s.scanItems(ctx, q, f, func(e journal.Entry, it *storedItem) error {
		head, err := json.Marshal(queueItemHead{it.QueueItemID, it.QueueID, it.QueueRow, wire.FormatMoment(it.QueueMoment), it.OperationID, it.PosSystemID, it.RequestDigest})
		if err != nil {
			return err
		}
		w := a.next()
		w.Write(head[:len(head)-1])
		w.WriteString(`,"request":`)
		w.Write(it.Request)
		w.WriteString(`,"response":`)
		w.Write(it.Response)
		writeLink(w, e)
		return w.WriteByte('}')
	}))
}

func writeLink(w *bufio.Writer, e journal.Entry) {
	w.WriteString(`,"journalSeq":`)
	w.WriteString(strconv.FormatUint(e.Seq, 10))
	w.WriteString(`,"journalHash":"`)
	w.WriteString(hex.EncodeToString(e.Hash[:]))
	w.WriteString(`","journalPreviousHash":"`)
	w.WriteString(hex.EncodeToString(e.Prev[:]))
	w.WriteByte('"')
}

// receiptLine is one entry of the receipt journal (type 2); each names the
// journal hash of the receipt before it.
type receiptLine struct {
	QueueItemID           string `json:"ftQueueItemID"`
	QueueID               string `json:"ftQueueID"`
	QueueRow              uint64 `json:"ftQueueRow"`
	ReceiptNumber         uint64 `json:"ftReceiptNumber"`
	ReceiptIdentification string `json:"ftReceiptIdentification"`
	ReceiptMoment         string `json:"ftReceiptMoment"`
	ReceiptReference      string `json:"cbReceiptReference"`
	State                 uint64 `json:"ftState"`
	JournalHash           string `json:"journalHash"`
	PreviousReceiptHash   string `json:"previousReceiptHash"`
}

func (s *Service) writeReceipts(ctx context.Context, q *Queue, f *rangeFilter, a *arrayWriter) error {
	var prev string
	return ignoreStop(s.scanItems(ctx, q, f, func(e journal.Entry, it *storedItem) error {
		if !it.Receipt {
			return nil
		}
		resp, err := wire.DecodeReceiptResponse(it.Response)
		if err != nil {
			return fmt.Errorf("fiscal: queue %s row %d: %w", q.ID, it.QueueRow, err)
		}
		hash := hex.EncodeToString(e.Hash[:])
		line, err := json.Marshal(receiptLine{it.QueueItemID, it.QueueID, it.QueueRow, it.Queue.Numerator, resp.ReceiptIdentification,
			wire.FormatMoment(it.QueueMoment), resp.ReceiptReference, resp.State, hash, prev})
		if err != nil {
			return err
		}
		prev = hash
		_, err = a.next().Write(line)
		return err
	}))
}

func (s *Service) writeActions(ctx context.Context, chain journal.ChainID, kind journal.Kind, f *rangeFilter, a *arrayWriter) error {
	err := s.db.Scan(chain, 0, 0, func(e journal.Entry) error {
		if e.Kind != kind {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		ok, done := f.accept(0, e.Time)
		if f.byRow {
			ok, done = true, false // actions have no row of their own
		}
		if done {
			return errStopScan
		}
		if !ok {
			return nil
		}
		w := a.next()
		body := e.Body
		if len(body) > 0 && body[len(body)-1] == '}' {
			w.Write(body[:len(body)-1])
			writeLink(w, e)
			return w.WriteByte('}')
		}
		_, err := w.Write(body)
		return err
	})
	return ignoreStop(err)
}

// writeConfiguration writes the CashBox's configuration without secrets.
func (s *Service) writeConfiguration(w io.Writer, cb *CashBox) error {
	type queueInfo struct {
		ID             string         `json:"ftQueueID"`
		Country        string         `json:"Country"`
		Identification string         `json:"ftCashBoxIdentification"`
		Market         map[string]any `json:"Market"`
	}
	out := struct {
		CashBoxID string      `json:"ftCashBoxID"`
		Sandbox   bool        `json:"Sandbox"`
		Queues    []queueInfo `json:"Queues"`
	}{CashBoxID: cb.ID, Sandbox: cb.Sandbox}
	for _, q := range cb.Queues {
		out.Queues = append(out.Queues, queueInfo{ID: q.ID, Country: q.Country.String(), Identification: q.Identification(), Market: q.reg.Info()})
	}
	return json.NewEncoder(w).Encode(&out)
}

// JournalTypes lists the ftJournalType values served for a CashBox.
func (s *Service) JournalTypes(cb *CashBox) []uint64 {
	out := []uint64{JournalVersion, JournalActions, JournalReceipts, JournalQueueItems, JournalConfiguration}
	for _, q := range cb.Queues {
		for _, t := range s.markets[q.Country].JournalTypes() {
			v := uint64(q.Country)<<48 | t
			out = append(out, v, v|2<<44)
		}
	}
	return out
}
