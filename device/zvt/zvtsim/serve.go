package zvtsim

import (
	"context"
	"fmt"

	"github.com/fiscald/fiscald/device/zvt"
)

// Serve handles one ECR connection on link until the link fails, the ECR
// closes it, or ctx ends; it closes link before returning. It waits while
// another connection is being served: a PT has one master.
func (t *Terminal) Serve(ctx context.Context, link zvt.Link) error {
	defer link.Close()
	select {
	case t.serving <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-t.serving }()
	s := &session{t: t, link: link, log: t.set.Log}
	for {
		cmd, err := link.Receive(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("zvtsim: receive command: %w", err)
		}
		s.log.Debug("zvtsim: command", "apdu", cmd.String())
		if err := s.handle(ctx, cmd); err != nil {
			return fmt.Errorf("zvtsim: %s: %w", cmd.Code(), err)
		}
	}
}

// handle runs the sequence a command starts. An error means the link is
// unusable or the ledger could not be saved.
func (s *session) handle(ctx context.Context, cmd zvt.APDU) error {
	switch cmd.Code() {
	case zvt.CodeRegistration:
		return s.register(ctx, cmd)
	case zvt.CodeAuthorisation:
		return s.authorise(ctx, cmd)
	case zvt.CodeLogOff:
		s.t.setConfig(configLoggedOff)
		return s.accept(ctx)
	case zvt.CodeReversal:
		return s.reverse(ctx, cmd)
	case zvt.CodeRefund:
		return s.refund(ctx, cmd)
	case zvt.CodeEndOfDay:
		return s.endOfDay(ctx, cmd)
	case zvt.CodeRepeatReceipt:
		return s.repeatReceipt(ctx, cmd)
	case zvt.CodeStatusEnquiry:
		return s.statusEnquiry(ctx, cmd)
	}
	// Includes an Abort (06 B0) with no payment running.
	return s.refuse(ctx, resultNotPossible)
}

// checkPassword refuses a password command with the wrong password; ok
// is false when it did.
func (s *session) checkPassword(ctx context.Context, data []byte) (fields []zvt.Field, ok bool, err error) {
	pw, fields, perr := zvt.ParsePasswordCommand(data)
	switch {
	case perr != nil:
		return nil, false, s.refuse(ctx, zvt.ResultProtocolError)
	case pw != s.t.set.password:
		return nil, false, s.refuse(ctx, resultNotPossible)
	}
	return fields, true, nil
}
