package zvtsim

import (
	"context"

	"github.com/fiscald/fiscald/device/zvt"
)

// softwareVersion is reported in the Completion of a Status-Enquiry.
const softwareVersion = "zvtsim"

// register handles Registration (06 00): it stores the config-byte and
// answers with a Completion carrying status byte and terminal ID.
func (s *session) register(ctx context.Context, cmd zvt.APDU) error {
	reg, err := zvt.ParseRegistration(cmd.Data)
	switch {
	case err != nil:
		return s.refuse(ctx, zvt.ResultProtocolError)
	case reg.Password != s.t.set.password:
		return s.refuse(ctx, resultNotPossible)
	case reg.Currency != 0 && reg.Currency != zvt.EUR:
		return s.refuse(ctx, zvt.ResultWrongCurrency)
	}
	s.t.setConfig(reg.Config)
	if err := s.accept(ctx); err != nil {
		return err
	}
	var f fields
	f.add(zvt.BMPPaymentType, []byte{0}) // status byte: nothing needed
	f.add(zvt.BMPTerminalID, s.t.set.tid)
	if reg.Currency != 0 {
		f.add(zvt.BMPCurrency, bcd(uint64(reg.Currency), 2))
	}
	if f.err != nil {
		return f.err
	}
	return s.finish(ctx, zvt.APDU{Class: 0x06, Instr: 0x0F, Data: f.b})
}

// statusEnquiry answers 05 01 with a Completion: software version and
// terminal status 00 (ready).
func (s *session) statusEnquiry(ctx context.Context, cmd zvt.APDU) error {
	if len(cmd.Data) > 0 { // the password is optional here
		if _, ok, err := s.checkPassword(ctx, cmd.Data); !ok {
			return err
		}
	}
	if err := s.accept(ctx); err != nil {
		return err
	}
	n := len(softwareVersion)
	data := append([]byte{0xF0 | byte(n/100), 0xF0 | byte(n/10%10), 0xF0 | byte(n%10)}, softwareVersion...)
	data = append(data, byte(zvt.TerminalReady))
	return s.finish(ctx, zvt.APDU{Class: 0x06, Instr: 0x0F, Data: data})
}

// reverse handles Reversal (06 30) of a payment in the current batch by
// its receipt number: B4 if already reversed, B5 if unknown.
func (s *session) reverse(ctx context.Context, cmd zvt.APDU) error {
	req, err := zvt.ParseReversal(cmd.Data)
	switch {
	case err != nil:
		return s.refuse(ctx, zvt.ResultProtocolError)
	case req.Password != s.t.set.password:
		return s.refuse(ctx, resultNotPossible)
	}
	if err := s.accept(ctx); err != nil {
		return err
	}
	i, orig, code := s.t.reversible(req.Receipt)
	if code != zvt.ResultOK {
		return s.finish(ctx, abort(code))
	}
	trace, receipt, err := s.t.numbers()
	if err != nil {
		return err
	}
	sl := slipOf(orig, "Storno")
	sl.trace, sl.origTrace, sl.receipt, sl.at, sl.result = trace, orig.Trace, receipt, s.t.set.Clock(), zvt.ResultOK
	if err := s.deliver(ctx, sl); err != nil {
		return s.failed(ctx, err)
	}
	if err := s.t.markReversed(i, trace); err != nil {
		return err
	}
	return s.finish(ctx, completion())
}

// refund handles Refund (06 31): a credit, booked on acknowledgement like
// a payment.
func (s *session) refund(ctx context.Context, cmd zvt.APDU) error {
	req, err := zvt.ParseRefund(cmd.Data)
	switch {
	case err != nil || req.Amount <= 0:
		return s.refuse(ctx, zvt.ResultProtocolError)
	case req.Password != s.t.set.password:
		return s.refuse(ctx, resultNotPossible)
	}
	if err := s.accept(ctx); err != nil {
		return err
	}
	i, tx, err := s.t.begin(KindRefund, req.Amount, req.Amount, zvt.ResultOK)
	if err != nil {
		return err
	}
	if err := s.deliver(ctx, slipOf(tx, "Gutschrift")); err != nil {
		if serr := s.t.settle(i, false); serr != nil {
			return serr
		}
		return s.failed(ctx, err)
	}
	if err := s.t.settle(i, true); err != nil {
		return err
	}
	return s.finish(ctx, completion())
}

// endOfDay handles End-of-Day (06 50): the Status-Information carries the
// batch total (payments minus refunds); the acknowledged one closes the
// batch, after which reversals are refused.
func (s *session) endOfDay(ctx context.Context, cmd zvt.APDU) error {
	if _, ok, err := s.checkPassword(ctx, cmd.Data); !ok {
		return err
	}
	if err := s.accept(ctx); err != nil {
		return err
	}
	trace, _, err := s.t.numbers()
	if err != nil {
		return err
	}
	sl := slip{title: "Kassenschnitt", amount: s.t.totals(), trace: trace, at: s.t.set.Clock()}
	if err := s.deliver(ctx, sl); err != nil {
		return s.failed(ctx, err)
	}
	if err := s.t.closeBatch(); err != nil {
		return err
	}
	return s.finish(ctx, completion())
}

// repeatReceipt handles Repeat Receipt (06 20): it re-sends the
// Status-Information and receipt of the last booked transaction, the
// ECR's way to resynchronise after a crash.
func (s *session) repeatReceipt(ctx context.Context, cmd zvt.APDU) error {
	if _, ok, err := s.checkPassword(ctx, cmd.Data); !ok {
		return err
	}
	if err := s.accept(ctx); err != nil {
		return err
	}
	tx, ok := s.t.lastBooked()
	if !ok {
		return s.finish(ctx, abort(resultNotPossible))
	}
	if err := s.deliver(ctx, slipOf(tx, "Kopie")); err != nil {
		return s.failed(ctx, err)
	}
	return s.finish(ctx, completion())
}
