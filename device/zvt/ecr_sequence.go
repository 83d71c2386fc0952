package zvt

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fiscald/fiscald/device"
)

// resultPersistFailed is the negative answer to a Status-Information the
// ECR could not make durable: 84 FF 00 (system error). Answering at all,
// rather than closing the link, keeps the link usable and makes the PT
// say that it reversed (06 1E); a PT that gets no positive answer must
// reverse either way (§1.10).
const resultPersistFailed = ResultSystemError

// resultNotPossible answers a PT command the ECR does not support.
const resultNotPossible ResultCode = 0x83

// errStale marks a link that failed before the PT answered anything.
var errStale = errors.New("zvt: link failed before any answer")

// seqOptions say what a sequence does with the PT's messages.
type seqOptions struct {
	hooks device.PayHooks
	// persist calls hooks.Persist before acknowledging a
	// Status-Information; false for queries (Repeat Receipt).
	persist bool
}

// seqResult is how a sequence ended.
type seqResult struct {
	// negative: the PT answered the command with 84 code.
	negative bool
	// aborted: the PT ended with Abort 06 1E code.
	aborted bool
	code    ResultCode
	// completion is the data of the Completion (06 0F), if one came.
	completion []byte
	completed  bool
	info       *StatusInfo
	infoAPDU   APDU
	// infoAcked: the ECR's 80 00 00 to the Status-Information went out.
	infoAcked  bool
	receipt    []string
	receiptEnd bool
	// persistErr is why the Status-Information was refused.
	persistErr error
	// lost is the link failure after which the result still stands.
	lost error
}

// final reports whether the result stands without the rest of the
// sequence: a Status-Information was acknowledged and either nothing was
// charged or the receipt was complete, whose acknowledgement the PT also
// waits for before it books (§1.10). Only the Completion is missing then.
func (r *seqResult) final() bool {
	if !r.infoAcked || r.info == nil {
		return false
	}
	return r.info.Result.Outcome() != OutcomeApproved || r.receiptEnd
}

// run sends cmd and follows the sequence until the PT returns master
// rights. Errors wrap device.ErrUnavailable when the PT never accepted
// the command, ErrOutcomeUnknown when it did and no final result came.
// A failed link is dropped.
func (e *ECR) run(ctx context.Context, link Link, cmd APDU, so seqOptions) (seqResult, error) {
	var r seqResult
	name := cmd.Code().String()
	if err := e.command(ctx, link, cmd, &r); err != nil {
		return r, fmt.Errorf("zvt %s: %s: %w", e.opt.Name, name, err)
	}
	if r.negative {
		e.mon.Succeeded(time.Now())
		return r, nil
	}
	if err := e.follow(ctx, link, so, &r); err != nil {
		return r, fmt.Errorf("zvt %s: %s: %w", e.opt.Name, name, err)
	}
	if r.lost == nil {
		e.mon.Succeeded(time.Now())
	}
	return r, nil
}

// command sends cmd and waits for its answer within T3. When T3 passes
// the link is closed: the sequence counts as aborted (§1.9).
func (e *ECR) command(ctx context.Context, link Link, cmd APDU, r *seqResult) error {
	tctx, cancel := context.WithTimeout(ctx, e.opt.T3)
	defer cancel()
	fail := func(op string, err error, answered bool) error {
		e.drop(link, err)
		if !answered && ctx.Err() == nil && !errors.Is(err, device.ErrTimeout) {
			err = fmt.Errorf("%w: %w", errStale, err)
		}
		return fmt.Errorf("%w: %s: %w", device.ErrUnavailable, op, err)
	}
	if err := link.Send(tctx, cmd); err != nil {
		return fail("send", err, false)
	}
	for answered := false; ; answered = true {
		a, err := link.Receive(tctx)
		switch {
		case err != nil:
			return fail("await answer (T3)", err, answered)
		case a.IsPositive():
			return nil
		case a.IsNegative():
			r.negative, r.code = true, a.ResponseCode()
			return nil
		case !e.lastPT.Equal(APDU{}) && a.Equal(e.lastPT):
			// A repeat of the previous sequence's last message (the
			// serial layer's ACK got lost): answer it again.
			if err := link.Send(tctx, Ack()); err != nil {
				return fail("answer repeat", err, true)
			}
		default:
			return fail("await answer", fmt.Errorf("%w: %v instead of an answer", ErrMalformed, a), true)
		}
	}
}

// follow receives the PT's messages until Completion or Abort, each
// within T4, answering each. When ctx ends it asks the PT to abort and
// waits AbortWait for the outcome.
func (e *ECR) follow(ctx context.Context, link Link, so seqOptions, r *seqResult) error {
	t4 := e.opt.T4
	var abortBy time.Time // non-zero once Abort (06 B0) went out
	// answer sends the ECR's response within T3; an answer must not
	// wait for the caller's context, which may be over already.
	answer := func(a, resp APDU) error {
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.opt.T3)
		defer cancel()
		if err := link.Send(actx, resp); err != nil {
			return err
		}
		e.lastPT = a
		return nil
	}
	for {
		var rctx context.Context
		var cancel context.CancelFunc
		if abortBy.IsZero() {
			rctx, cancel = context.WithTimeout(ctx, t4)
		} else {
			rctx, cancel = context.WithDeadline(context.WithoutCancel(ctx), abortBy)
		}
		a, err := link.Receive(rctx)
		cancel()
		if err != nil {
			if abortBy.IsZero() && callerDone(ctx) {
				e.opt.Log.Info("zvt: caller gave up, aborting", "device", e.opt.Name)
				if err := answer(APDU{}, AbortCommand()); err != nil {
					return e.lose(link, r, fmt.Errorf("send abort: %w", err))
				}
				abortBy = time.Now().Add(e.opt.AbortWait)
				continue
			}
			return e.lose(link, r, fmt.Errorf("await PT message (T4): %w", err))
		}
		done, resp, err := e.handle(a, so, r, &t4)
		if err != nil {
			return e.lose(link, r, err)
		}
		if resp == nil {
			continue // an answer to our Abort: nothing to answer
		}
		err = answer(a, *resp)
		switch {
		case err != nil && done:
			// The PT has spoken; a lost answer to its Completion or
			// Abort does not change the result.
			e.drop(link, fmt.Errorf("answer %v: %w", a, err))
			return nil
		case err != nil:
			return e.lose(link, r, fmt.Errorf("answer %v: %w", a, err))
		}
		if a.Code() == CodeStatusInfo && resp.IsPositive() {
			r.infoAcked = true
		}
		if done {
			return nil
		}
	}
}

// handle processes one PT message and returns the answer to send (nil
// for none) and whether the sequence is over.
func (e *ECR) handle(a APDU, so seqOptions, r *seqResult, t4 *time.Duration) (done bool, resp *APDU, err error) {
	ack := Ack()
	switch a.Code() {
	case CodeIntermediateStatus:
		st, perr := ParseIntermediateStatus(a.Data)
		if perr == nil {
			if st.Timeout > 0 {
				*t4 = st.Timeout
			}
			if so.hooks.Progress != nil {
				so.hooks.Progress(st.Text())
			}
		}
		return false, &ack, nil
	case CodeStatusInfo:
		if r.info != nil && a.Equal(r.infoAPDU) {
			// A repeat of the frame: never persist twice; answer as
			// before.
			if r.persistErr != nil {
				nack := Nack(resultPersistFailed)
				return false, &nack, nil
			}
			return false, &ack, nil
		}
		si, perr := ParseStatusInfo(a.Data)
		if perr != nil {
			r.persistErr = fmt.Errorf("unreadable status information: %w", perr)
			nack := Nack(ResultProtocolError)
			return false, &nack, nil
		}
		r.info, r.infoAPDU, r.infoAcked, r.persistErr = &si, a, false, nil
		if so.persist && so.hooks.Persist != nil {
			if perr := so.hooks.Persist(e.payResult(si, nil)); perr != nil {
				r.persistErr = perr
				nack := Nack(resultPersistFailed)
				return false, &nack, nil
			}
		}
		return false, &ack, nil
	case CodePrintLine:
		if pl, perr := ParsePrintLine(a.Data); perr == nil {
			r.receipt = append(r.receipt, pl.Lines()...)
			r.receiptEnd = r.receiptEnd || pl.LastLine()
		}
		return false, &ack, nil
	case CodePrintTextBlock:
		if tb, perr := ParsePrintTextBlock(a.Data); perr == nil {
			r.receipt = append(r.receipt, tb.Lines...)
			r.receiptEnd = r.receiptEnd || tb.EndOfReceipt
		}
		return false, &ack, nil
	case CodeCompletion:
		r.completed, r.completion = true, a.Data
		return true, &ack, nil
	case CodeAbort:
		r.aborted, r.code = true, ResultSystemError
		if ab, perr := ParseAbort(a.Data); perr == nil {
			r.code = ab.Result
		}
		return true, &ack, nil
	}
	if a.IsPositive() || a.IsNegative() {
		// The PT's answer to our Abort (06 B0); its outcome follows.
		return false, nil, nil
	}
	nack := Nack(resultNotPossible)
	return false, &nack, nil
}

// lose drops the link after a failure while the PT was master. The
// result stands if it was final already; otherwise money may have moved
// and the outcome is unknown.
func (e *ECR) lose(link Link, r *seqResult, cause error) error {
	e.drop(link, cause)
	if r.final() {
		r.lost = cause
		return nil
	}
	return fmt.Errorf("%w: %w", ErrOutcomeUnknown, cause)
}

// callerDone reports whether the caller's context has ended, including
// the instant in which a context derived from it for the same deadline
// has fired its own timer and ctx's has not yet.
func callerDone(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	d, ok := ctx.Deadline()
	return ok && !time.Now().Before(d)
}
