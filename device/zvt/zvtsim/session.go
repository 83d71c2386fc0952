package zvtsim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/fiscald/fiscald/device/zvt"
)

// Timing of the sequences.
const (
	// ackTimeout bounds the wait for the ECR's answer to a PT→ECR
	// message: the ECR's T3 applies in this direction too.
	ackTimeout = zvt.DefaultT3
	// progressEvery is the simulated interval between Intermediate-
	// Status messages during a long wait, well inside the ECR's T4.
	progressEvery = 5 * time.Second
)

// Intermediate-Status codes the simulator shows (§1.6).
const (
	statusInsertCard  = 0x0A
	statusWaitingHost = 0x04
)

// resultNotPossible (83, function not possible) refuses a command the
// terminal cannot run now: wrong password, nothing to repeat, a command
// out of turn.
const resultNotPossible zvt.ResultCode = 0x83

var (
	// errNegative marks a negative answer (84 xx) from the ECR.
	errNegative = errors.New("zvtsim: negative answer from the ECR")
	// errECRAbort marks an Abort (06 B0) from the ECR during a payment.
	errECRAbort = errors.New("zvtsim: aborted by the ECR")
	// errOutOfTurn marks a command where an answer was due.
	errOutOfTurn = errors.New("zvtsim: unexpected message from the ECR")
)

// session is one ECR connection.
type session struct {
	t    *Terminal
	link zvt.Link
	log  *slog.Logger
	// abortable is set while a payment waits for the card or host; an
	// Abort from the ECR is then honoured, even when it crosses an
	// Intermediate-Status (abortRequested).
	abortable, abortRequested bool
}

func (s *session) send(ctx context.Context, a zvt.APDU) error {
	if err := s.link.Send(ctx, a); err != nil {
		return fmt.Errorf("send %v: %w", a, err)
	}
	return nil
}

// awaitAck waits for the ECR's answer to what the PT just sent.
func (s *session) awaitAck(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, ackTimeout)
	defer cancel()
	for {
		a, err := s.link.Receive(ctx)
		switch {
		case err != nil:
			return fmt.Errorf("await answer: %w", err)
		case a.IsPositive():
			return nil
		case a.IsNegative():
			return fmt.Errorf("%w: %02X", errNegative, a.Instr)
		case a.Code() == zvt.CodeAbortCommand && s.abortable:
			s.abortRequested = true
			if err := s.send(ctx, zvt.Ack()); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: %v instead of an answer", errOutOfTurn, a)
		}
	}
}

// exchange sends a PT→ECR message and waits for its answer.
func (s *session) exchange(ctx context.Context, a zvt.APDU) error {
	if err := s.send(ctx, a); err != nil {
		return err
	}
	return s.awaitAck(ctx)
}

// disconnectAt closes the link if a fault is injected at step.
func (s *session) disconnectAt(step Step) error {
	if !s.t.takeDisconnect(step) {
		return nil
	}
	_ = s.link.Close()
	return ErrInjectedDisconnect
}

// accept answers a command with 80 00 00, after the injected delay.
func (s *session) accept(ctx context.Context) error {
	if d := s.t.delay(); d > 0 {
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
	if err := s.send(ctx, zvt.Ack()); err != nil {
		return err
	}
	return s.disconnectAt(StepAfterCommandAck)
}

// refuse answers a command with 84 <code> 00; the connection goes on.
func (s *session) refuse(ctx context.Context, code zvt.ResultCode) error {
	return s.send(ctx, zvt.Nack(code))
}

// deliver sends a Status-Information and, if the ECR registered for
// them, the receipt's print lines, each acknowledged. Only when it
// returns nil is the result final (§1.10).
func (s *session) deliver(ctx context.Context, sl slip) error {
	si, err := s.t.statusInfo(sl)
	if err != nil {
		return err
	}
	if err := s.send(ctx, si); err != nil {
		return err
	}
	if err := s.disconnectAt(StepAfterStatusInfo); err != nil {
		return err
	}
	if err := s.awaitAck(ctx); err != nil {
		return err
	}
	if s.t.Config()&zvt.ConfigPrintLines == 0 {
		return nil
	}
	for _, pl := range s.t.printLines(sl) {
		if err := s.exchange(ctx, pl); err != nil {
			return err
		}
	}
	return nil
}

// finish sends the Completion or Abort that returns master rights. The
// result stands whatever happens to its acknowledgement.
func (s *session) finish(ctx context.Context, a zvt.APDU) error {
	if err := s.send(ctx, a); err != nil {
		return err
	}
	if err := s.disconnectAt(StepAfterCompletion); err != nil {
		return err
	}
	return s.awaitAck(ctx)
}

// failed ends a sequence whose result did not become final: after a
// negative answer the link still works and the PT aborts the sequence;
// any other error ends the connection.
func (s *session) failed(ctx context.Context, cause error) error {
	if errors.Is(cause, errNegative) {
		s.log.Info("zvtsim: ECR refused the result", "err", cause)
		return s.finish(ctx, abort(zvt.ResultAborted))
	}
	return cause
}

// progress sends an Intermediate-Status if the ECR registered for it.
func (s *session) progress(ctx context.Context, code byte) error {
	if s.t.Config()&zvt.ConfigIntermediateStatus == 0 {
		return nil
	}
	return s.exchange(ctx, zvt.APDU{Class: 0x04, Instr: 0xFF, Data: []byte{code}})
}

// wait lets the simulated time d pass while the PT is master. It sends
// an Intermediate-Status every progressEvery of simulated time (so the
// ECR's T4 restarts) and listens to the link meanwhile, so that an Abort
// from the ECR (06 B0) ends the wait with errECRAbort and a closed link
// with its error. Simulated time advances by the scaled waits only, not
// by the exchanges in between, so the number of Intermediate-Status
// messages does not depend on the machine's speed.
func (s *session) wait(ctx context.Context, d time.Duration, code byte) error {
	s.abortable = true
	defer func() { s.abortable, s.abortRequested = false, false }()
	for left := d; ; {
		if s.abortRequested {
			return errECRAbort
		}
		if left <= 0 {
			return nil
		}
		withProgress := s.t.Config()&zvt.ConfigIntermediateStatus != 0
		step := left
		if withProgress {
			step = min(step, progressEvery)
		}
		if err := s.listen(ctx, s.t.set.scale(step)); err != nil {
			return err
		}
		left -= step
		if withProgress && left > 0 {
			if err := s.progress(ctx, code); err != nil {
				return err
			}
		}
	}
}

// listen receives for the real duration d, answering the ECR's messages.
func (s *session) listen(ctx context.Context, d time.Duration) error {
	end := time.Now().Add(d)
	for {
		left := time.Until(end)
		if left <= 0 {
			return nil
		}
		a, got, err := s.receiveWithin(ctx, left)
		switch {
		case err != nil:
			return err
		case got && a.Code() == zvt.CodeAbortCommand:
			if err := s.send(ctx, zvt.Ack()); err != nil {
				return err
			}
			return errECRAbort
		case got:
			// The PT is master: anything else is out of turn.
			if err := s.refuse(ctx, resultNotPossible); err != nil {
				return err
			}
		}
	}
}

// receiveWithin receives for at most d; got is false when d passed.
func (s *session) receiveWithin(ctx context.Context, d time.Duration) (a zvt.APDU, got bool, err error) {
	rctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	a, err = s.link.Receive(rctx)
	switch {
	case err == nil:
		return a, true, nil
	case ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded):
		return zvt.APDU{}, false, nil
	}
	return zvt.APDU{}, false, fmt.Errorf("wait: %w", err)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
