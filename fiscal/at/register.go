package at

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/fiscal/at/rksv"
	"github.com/fiscald/fiscald/httpapi/wire"
)

// v2 AT signature types (pos-system-api-v2.md §7.7).
const (
	sigTypeCode    uint64 = 0x4154_2000_0000_0001 // the machine-readable code
	sigTypeStorage uint64 = 0x4154_2000_0001_0002 // storage-obligation note (archiving flag)
	formatText     uint64 = 1
	formatQR       uint64 = 3
	outage48h             = 48 * time.Hour
)

// state is the register's state after a receipt; it is stored with every
// queue item (JSON) and restored on start.
type state struct {
	Chain Chain `json:"rksv"`
	// Numbers is the last RKSV receipt number handed out. A number whose
	// payload reached a device is never reused (rksv.md §7.2).
	Numbers     uint64    `json:"numbers"`
	Failed      bool      `json:"failed"`
	FailedSince time.Time `json:"failedSince,omitzero"`
	FirstFailed string    `json:"firstFailed,omitempty"`
	FailedCount int       `json:"failedCount,omitempty"`
	LastFailed  string    `json:"lastFailed,omitempty"`
	// FailedTotal counts every failed receipt of the register's life
	// (the metric fiscald_at_failed_receipts_total).
	FailedTotal uint64 `json:"failedTotal,omitempty"`
	// Reported48h is set once the 48-hour FinanzOnline notification of
	// the current outage was raised.
	Reported48h bool `json:"reported48h,omitempty"`
	// Notices wait for the next response (see notice).
	Notices []notice `json:"notices,omitempty"`
	// LastMonthly and LastYearly are the month ("2006-01") and year of the
	// last Monatsbeleg / Jahresbeleg (or of the start receipt).
	LastMonthly string `json:"lastMonthly,omitempty"`
	LastYearly  int    `json:"lastYearly,omitempty"`
	// DailyAnchor is the business day of the first receipt after the last
	// daily closing ("" right after one).
	DailyAnchor string `json:"dailyAnchor,omitempty"`
}

// register is one AT queue's state machine (fiscal.Register).
type register struct {
	m    *Market
	cfg  config
	b    Builder
	dev  Device
	kind string // the device's driver, as provisioned

	st      state // owned by the queue goroutine
	pending *pendingResult
	// tried is the device's Health.Since when the register last tried
	// it for a Sammelbeleg (or failed on it): the next automatic attempt
	// waits for a later recovery. triedSet is false after a restart.
	tried    time.Time
	triedSet bool

	mu  sync.Mutex
	pub state
}

type pendingResult struct {
	res *fiscal.Result
	st  state
}

func (r *register) publish() {
	r.mu.Lock()
	r.pub = r.st
	r.mu.Unlock()
}

// Identification is the Kassen-ID.
func (r *register) Identification() string { return r.cfg.KassenID }

// Info describes the register without its AES key.
func (r *register) Info() map[string]any {
	devices := map[string]any{}
	for name, d := range r.cfg.Devices {
		devices[name] = map[string]any{"provider": d.Provider, "serial": d.Serial}
	}
	return map[string]any{
		"kassenId": r.cfg.KassenID, "counterLength": r.cfg.CounterLength, "signer": r.cfg.Signer,
		"devices": devices, "aesKeyChecksum": rksv.AESKeyChecksum(b64(r.cfg.AESKey)), "autoSammelbeleg": r.cfg.AutoSammelbeleg,
	}
}

// State is the register's current state, including receipt numbers
// consumed by results that were not committed. The queue goroutine calls it.
func (r *register) State() []byte { return r.st.appendJSON(make([]byte, 0, 256)) }

// Commit adopts the state computed for res.
func (r *register) Commit(res *fiscal.Result) {
	if r.pending != nil && r.pending.res == res {
		r.st = r.pending.st
		r.pending = nil
		r.publish()
	}
}

// Fiscalize makes the RKSV receipt of one request.
func (r *register) Fiscalize(ctx context.Context, in *fiscal.Input) (*fiscal.Result, error) {
	kind, amounts, err := classify(in)
	if err != nil {
		return nil, err
	}
	if kind == 0 {
		return &fiscal.Result{Error: fmt.Sprintf("receipt case 0x%04X (%s) makes no receipt in Austria", in.Case.Case, fiscal.ReceiptCaseName(in.Case.Case))}, nil
	}
	st := r.st
	st.Numbers++
	// The number is consumed from here on, whatever happens to the receipt.
	r.st.Numbers = st.Numbers
	number := "ft" + strconv.FormatUint(in.Numerator, 16) + "#" + strconv.FormatUint(st.Numbers, 10)
	number = upperHexPrefix(number)
	spec := Spec{Kind: kind, Number: number, Date: rksv.ViennaDate(in.Moment), Amounts: amounts, Device: &r.dev,
		Failed: st.Failed && !triesDevice(in.Case.Case, kind)}
	rec, chain, err := r.b.Make(ctx, st.Chain, spec)
	if err != nil {
		return nil, err
	}
	var clockNote string
	if rec.Payload.Date != spec.Date {
		clockNote = "clock fault: the clock reads " + spec.Date + " (Vienna), earlier than the previous receipt; field 4 repeats " + rec.Payload.Date
		r.m.log.Warn("clock earlier than the previous receipt", "kassen_id", r.cfg.KassenID, "clock", spec.Date, "printed", rec.Payload.Date)
	}
	if kind == KindStart && !rec.Signed {
		res := &fiscal.Result{Error: "the signature device did not sign the start receipt (" + errText(rec.SignErr) + "); the queue stays not started", State: st.appendJSON(nil)}
		r.pending = &pendingResult{res: res, st: st}
		return res, nil
	}
	st.Chain = chain
	res := &fiscal.Result{Receipt: true, Identification: number, Kind: kind.String()}
	res.Signatures = append(res.Signatures, codeItem(rec))
	if !in.Initiated {
		for _, n := range st.Notices {
			res.Signatures = append(res.Signatures, n.item())
		}
		st.Notices = nil
	}
	r.applyFailedMode(&st, in, kind, number, rec, res)
	r.applyClosings(&st, in, rec, res)
	res.Local, res.Global = status(st, in.Moment)
	res.StateData = stateData(st, in.Moment)
	res.Data = itemData{Kind: kind.String(), Number: number, JWS: rec.JWS, Signed: rec.Signed, Device: r.dev.Name}.appendJSON(make([]byte, 0, 96+len(rec.JWS)))
	res.State = st.appendJSON(make([]byte, 0, 256))
	res.Notes = append(res.Notes, vatNotes(in.Request)...)
	if clockNote != "" {
		res.Notes = append(res.Notes, clockNote)
	}
	r.pending = &pendingResult{res: res, st: st}
	return res, nil
}

// triesDevice says which receipts ask a failed device again: zero receipts
// (the POS's "retry now"), start and yearly receipts (which must be signed).
func triesDevice(c uint16, k Kind) bool {
	return k == KindStart || c == fiscal.CaseZeroReceipt || c == fiscal.CaseYearlyClosing
}

// applyClosings records closings and adds the storage-obligation items.
func (r *register) applyClosings(st *state, in *fiscal.Input, rec Receipt, res *fiscal.Result) {
	month := rksv.ViennaDate(in.Moment)[:7]
	year := atoi(month[:4])
	storage := func(caption, data string) {
		res.Signatures = append(res.Signatures, wire.SignatureItem{Format: formatText, Type: sigTypeStorage, Caption: caption, Data: data})
	}
	switch in.Case.Case {
	case fiscal.CaseInitialOperation:
		st.LastMonthly, st.LastYearly, st.DailyAnchor = month, year, ""
		storage("Startbeleg", "Startbeleg")
	case fiscal.CaseOutOfOperation:
		if rec.Signed {
			storage("Stopbeleg", "Stopbeleg")
		}
	case fiscal.CaseDailyClosing:
		st.DailyAnchor = ""
	case fiscal.CaseMonthlyClosing:
		st.LastMonthly = month
		storage("Monatsbeleg #"+strconv.Itoa(atoi(month[5:7])), euros(st.Chain.Counter))
	case fiscal.CaseYearlyClosing:
		st.LastMonthly = month
		if rec.Signed {
			// A failed Jahresbeleg does not count: it must be repeated.
			st.LastYearly = year
			storage("Jahresbeleg", euros(st.Chain.Counter))
		}
	default:
		if st.DailyAnchor == "" {
			st.DailyAnchor = rksv.ViennaDate(in.Moment)[:10]
		}
	}
}

// Status is the register's part of ftState.
func (r *register) Status(now time.Time) (uint16, uint32, []byte) {
	r.mu.Lock()
	st := r.pub
	r.mu.Unlock()
	local, global := status(st, now)
	return local, global, stateData(st, now)
}

func status(st state, now time.Time) (local uint16, global uint32) {
	if st.Failed {
		global |= fiscal.StateSCUFailed
		if now.Sub(st.FailedSince) > outage48h {
			local |= 0x001 // permanently out of service: report to FinanzOnline
		}
	}
	today := rksv.ViennaDate(now)
	if st.DailyAnchor != "" && today[:10] > st.DailyAnchor {
		global |= fiscal.StateDailyDue
	}
	if st.LastMonthly != "" && today[:7] > st.LastMonthly {
		global |= fiscal.StateMonthlyDue
	}
	return local, global
}

// stateData reports what is due in ftStateData; v2 has no yearly flag.
func stateData(st state, now time.Time) []byte {
	var due []string
	today := rksv.ViennaDate(now)
	if st.DailyAnchor != "" && today[:10] > st.DailyAnchor {
		due = append(due, "daily")
	}
	if st.LastMonthly != "" && today[:7] > st.LastMonthly {
		due = append(due, "monthly")
	}
	if y, _ := strconv.Atoi(today[:4]); st.LastYearly != 0 && y > st.LastYearly {
		due = append(due, "yearly")
	}
	if len(due) == 0 && !st.Failed {
		return nil
	}
	d := map[string]any{}
	if len(due) > 0 {
		d["ClosingDue"] = due
	}
	if st.Failed {
		d["SignatureDeviceFailedSince"] = wire.FormatMoment(st.FailedSince)
		d["FailedReceipts"] = st.FailedCount
	}
	return mustJSON(d)
}

// itemData is the market's record of a receipt in the journal.
type itemData struct {
	Kind   string `json:"kind"`
	Number string `json:"number"`
	JWS    string `json:"jws"`
	Signed bool   `json:"signed"`
	Device string `json:"device"`
}

// codeItem is the RKSV machine-readable code item.
func codeItem(rec Receipt) wire.SignatureItem {
	qr, _ := rksv.QR(rec.JWS)
	caption := "fiscald"
	if !rec.Signed {
		caption = rksv.FailedText
	}
	return wire.SignatureItem{Format: formatQR, Type: sigTypeCode, Caption: caption, Data: qr}
}

func errText(err error) string {
	if err == nil {
		return "not asked: device out of service"
	}
	return err.Error()
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain data types are marshalled
	}
	return b
}

// euros formats cents as "1234.56" (the counter on closing items).
func euros(cents int64) string {
	s := rksv.FormatAmount(cents)
	out := []byte(s)
	for i := range out {
		if out[i] == ',' {
			out[i] = '.'
		}
	}
	return string(out)
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// upperHexPrefix upper-cases the hex digits between "ft" and "#".
func upperHexPrefix(s string) string {
	b := []byte(s)
	for i := 2; i < len(b) && b[i] != '#'; i++ {
		if b[i] >= 'a' && b[i] <= 'f' {
			b[i] -= 'a' - 'A'
		}
	}
	return string(b)
}
