package at

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/httpapi/wire"
)

// Signature-device outages (rksv.md §4.4–§4.5): a register whose device
// fails keeps issuing receipts marked "Sicherheitseinrichtung ausgefallen"
// without asking the device again, and leaves that mode with a signed null
// receipt, the Sammelbeleg — made by fiscald itself as soon as the device
// is back (Due), or on the POS's zero receipt.

const (
	// zeroReceiptCase is the v2 AT zero receipt fiscald initiates.
	zeroReceiptCase uint64 = 0x4154_2000_0000_2000
	// sigTypeNotice is a FinanzOnline notification item (format 8, Aztec).
	sigTypeNotice uint64 = 0x4154_2000_0000_1003
	formatAztec   uint64 = 8
)

// notice is a signature item kept for the next response: the POS did not
// see the receipt it belongs to (a Sammelbeleg fiscald made on its own).
type notice struct {
	Type    uint64 `json:"type"`
	Format  uint64 `json:"format"`
	Caption string `json:"caption"`
	Data    string `json:"data"`
}

func (n notice) item() wire.SignatureItem {
	return wire.SignatureItem{Format: n.Format, Type: n.Type, Caption: n.Caption, Data: n.Data}
}

// Due asks for the Sammelbeleg when the register is in failed mode, makes
// it automatically, and its device has come back since the last attempt.
// The wake channel closes at the device's next change of state.
func (r *register) Due() (uint64, <-chan struct{}) {
	if !r.st.Failed || !r.cfg.AutoSammelbeleg || r.dev.Signer == nil {
		return 0, nil
	}
	h := r.dev.Signer.Health()
	if h.State != device.StateUp || (r.triedSet && h.Since.Equal(r.tried)) {
		return 0, h.Changed
	}
	// One attempt per recovery: a device that fails the Sammelbeleg is
	// marked failed by its driver, and the next recovery tries again. A
	// register restored in failed mode tries once right away.
	r.tried, r.triedSet = h.Since, true
	return zeroReceiptCase, h.Changed
}

// applyFailedMode enters, continues or ends failed mode (rksv.md §4.5).
func (r *register) applyFailedMode(st *state, in *fiscal.Input, kind Kind, number string, rec Receipt, res *fiscal.Result) {
	switch {
	case !rec.Signed:
		if !st.Failed {
			st.Failed, st.FailedSince, st.FirstFailed, st.FailedCount = true, in.Moment, number, 0
			// Wait for the device's next recovery before the Sammelbeleg,
			// not for the failure its driver recorded. A device that looks
			// up here either recovered already (the supervisor can be that
			// quick) or never noticed the failure: Due tries it once.
			r.triedSet = false
			if r.dev.Signer != nil {
				if h := r.dev.Signer.Health(); h.State == device.StateFailed {
					r.tried, r.triedSet = h.Since, true
				}
			}
			r.m.log.Warn("signature device failed: receipts are marked until a Sammelbeleg is signed",
				"kassen_id", r.cfg.KassenID, "device", r.dev.Name, "receipt", number, "err", errText(rec.SignErr))
			res.Notes = append(res.Notes, "signature device failed ("+errText(rec.SignErr)+"); receipts are marked \"Sicherheitseinrichtung ausgefallen\" until a zero receipt is signed")
		}
		st.FailedCount++
		st.FailedTotal++
		st.LastFailed = number
		r.report48h(st, in, res)
	case st.Failed && kind == KindNull:
		r.closeOutage(st, in, number, res)
	}
}

// closeOutage records the Sammelbeleg: the storage-obligation item, the
// outage record in the action journal, and the end-of-outage notification
// when the 48-hour one was raised.
func (r *register) closeOutage(st *state, in *fiscal.Input, number string, res *fiscal.Result) {
	items := []notice{{Type: sigTypeStorage, Format: formatText, Caption: "Sammelbeleg", Data: "Von " + st.FirstFailed + " bis " + number}}
	if st.Reported48h {
		items = append(items, r.finanzOnline("FonActivateSCU", "Die Signaturerstellungseinheit ist wieder in Betrieb: Wiederinbetriebnahme in FinanzOnline melden", in.Moment, st))
	}
	for _, n := range items {
		res.Signatures = append(res.Signatures, n.item())
	}
	if in.Initiated {
		// Nobody reads this response: the POS gets the items with its
		// next receipt.
		st.Notices = append(st.Notices, items...)
	}
	outage := fmt.Sprintf("signature device back: Sammelbeleg %s closes the outage from %s to %s (%s; %d failed receipts, %s to %s)",
		number, st.FailedSince.UTC().Format(time.RFC3339), in.Moment.UTC().Format(time.RFC3339),
		in.Moment.Sub(st.FailedSince).Round(time.Second), st.FailedCount, st.FirstFailed, st.LastFailed)
	res.Notes = append(res.Notes, outage)
	r.m.log.Info(outage, "kassen_id", r.cfg.KassenID, "device", r.dev.Name)
	st.Failed, st.FailedSince, st.FirstFailed, st.LastFailed, st.FailedCount, st.Reported48h = false, time.Time{}, "", "", 0, false
}

// report48h raises the FinanzOnline notification once an outage has
// lasted 48 hours (rksv.md §4.4.4): fiscald does not submit it, it tells
// the POS and the journal that it is due.
func (r *register) report48h(st *state, in *fiscal.Input, res *fiscal.Result) {
	if st.Reported48h || in.Moment.Sub(st.FailedSince) <= outage48h {
		return
	}
	st.Reported48h = true
	n := r.finanzOnline("FonDeactivateSCU", "Ausfall der Signaturerstellungseinheit seit mehr als 48 Stunden: Ausfall in FinanzOnline melden", in.Moment, st)
	res.Signatures = append(res.Signatures, n.item())
	res.Notes = append(res.Notes, "the signature device has been out for more than 48 hours since "+st.FailedSince.UTC().Format(time.RFC3339)+": report the outage in FinanzOnline")
}

// finanzOnline builds a notification item: JSON with the action, the
// register, the device and the outage's start.
func (r *register) finanzOnline(action, caption string, now time.Time, st *state) notice {
	data := mustJSON(map[string]any{
		"ActionJournalId": fiscal.NewUUID(), "Type": action,
		"Data": map[string]any{
			"CashBoxIdentification": r.cfg.KassenID, "SignatureDevice": r.dev.Serial,
			"OutageStart": wire.FormatMoment(st.FailedSince), "Moment": wire.FormatMoment(now),
			"Reason": "signature creation device failed",
		},
	})
	return notice{Type: sigTypeNotice, Format: formatAztec, Caption: caption, Data: string(data)}
}

// EchoInfo reports the register's signer for /v2/echo: the device's own
// state, and failed while the register is in failed mode even if the
// device is back (until the Sammelbeleg).
func (r *register) EchoInfo(now time.Time) []byte {
	r.mu.Lock()
	st := r.pub
	r.mu.Unlock()
	state, since := "up", time.Time{}
	if r.dev.Signer != nil {
		h := r.dev.Signer.Health()
		if h.State == device.StateFailed {
			state, since = "failed", h.Since
		}
	} else {
		state = "failed"
	}
	if st.Failed {
		state, since = "failed", st.FailedSince
	}
	b := bytes.NewBuffer(make([]byte, 0, 160))
	b.WriteString(`{"Signer":{"Name":`)
	b.Write(appendJSONString(nil, r.dev.Name))
	b.WriteString(`,"Kind":`)
	b.Write(appendJSONString(nil, r.kind))
	b.WriteString(`,"State":"` + state + `","FailedSince":`)
	if since.IsZero() {
		b.WriteString("null")
	} else {
		b.WriteString(`"` + wire.FormatMoment(since) + `"`)
	}
	b.WriteString(`,"FailedReceipts":` + strconv.Itoa(st.FailedCount) + `}}`)
	return b.Bytes()
}
