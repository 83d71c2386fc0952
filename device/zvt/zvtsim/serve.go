package zvtsim

import (
	"context"
	"fmt"

	"github.com/fiscald/fiscald/device/zvt"
)

// busyWait bounds how long a command waits while another link's sequence
// runs. It is shorter than the ECR's T3, so the ECR gets a refusal instead
// of timing out on a command the terminal would later run behind its back.
const busyWait = ackTimeout / 2

// Serve handles one ECR connection on link until the link fails, the ECR
// closes it, or ctx ends; it closes link before returning. Several links
// may be served at once (a pty and TCP connections), but a PT has one
// master: a sequence, from the command to its Completion or Abort, waits
// while another link's sequence runs, and is refused (84 83) if that takes
// longer than busyWait.
func (t *Terminal) Serve(ctx context.Context, link zvt.Link) error {
	defer link.Close()
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
		if err := s.sequence(ctx, cmd); err != nil {
			return fmt.Errorf("zvtsim: %s: %w", cmd.Code(), err)
		}
	}
}

// sequence runs the sequence cmd starts while holding the terminal's
// master slot.
func (s *session) sequence(ctx context.Context, cmd zvt.APDU) error {
	wctx, cancel := context.WithTimeout(ctx, busyWait)
	defer cancel()
	select {
	case s.t.serving <- struct{}{}:
	case <-wctx.Done():
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.log.Info("zvtsim: busy with another ECR, command refused", "apdu", cmd.String())
		return s.refuse(ctx, resultNotPossible)
	}
	defer func() { <-s.t.serving }()
	return s.handle(ctx, cmd)
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
