package zvtsim

import (
	"context"
	"errors"

	"github.com/fiscald/fiscald/device/zvt"
)

// authorise runs a payment (06 01). Its outcome comes from the amount
// table or a forced result; the payment is booked only after the ECR
// acknowledged the Status-Information and the print lines, and
// auto-reversed otherwise.
func (s *session) authorise(ctx context.Context, cmd zvt.APDU) error {
	req, err := zvt.ParseAuthorisation(cmd.Data)
	if err != nil || req.Amount <= 0 {
		return s.refuse(ctx, zvt.ResultProtocolError)
	}
	if err := s.accept(ctx); err != nil {
		return err
	}
	out := s.t.outcomeFor(req.Amount)
	s.log.Info("zvtsim: payment", "amount", req.Amount, "outcome", out.Description)
	s.abortable = true
	err = s.progress(ctx, statusInsertCard)
	if err == nil {
		err = s.wait(ctx, out.Delay, statusWaitingHost)
	}
	switch {
	case errors.Is(err, errECRAbort):
		return s.finish(ctx, abort(zvt.ResultAborted))
	case err != nil:
		return err
	case out.Result != zvt.ResultOK && !hostCode(out.Result):
		return s.finish(ctx, abort(out.Result))
	}

	if out.Disconnect {
		s.t.DisconnectAt(StepAfterStatusInfo)
	}
	i, tx, err := s.t.begin(KindPayment, req.Amount, out.Charged, out.Result)
	if err != nil {
		return err
	}
	if tx.State == StateDeclined {
		if err := s.deliver(ctx, slipOf(tx, "Kartenzahlung")); err != nil {
			return s.failed(ctx, err)
		}
		return s.finish(ctx, abort(tx.Result))
	}
	if err := s.deliver(ctx, slipOf(tx, "Kartenzahlung")); err != nil {
		s.log.Warn("zvtsim: no acknowledgement, auto-reversing", "trace", tx.Trace, "err", err)
		if serr := s.t.settle(i, false); serr != nil {
			return errors.Join(err, serr)
		}
		return s.failed(ctx, err)
	}
	if err := s.t.settle(i, true); err != nil {
		return err
	}
	return s.finish(ctx, completion())
}
