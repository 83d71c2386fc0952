package zvtsim

import (
	"errors"
	"time"

	"github.com/fiscald/fiscald/device/zvt"
)

// Step is a point in a sequence where DisconnectAt closes the link.
type Step int

// Steps at which a disconnect can be injected.
const (
	// StepNone disables the injected disconnect.
	StepNone Step = iota
	// StepAfterCommandAck: after the 80 00 00 to the ECR's command,
	// before anything else happens.
	StepAfterCommandAck
	// StepAfterStatusInfo: after sending the Status-Information, before
	// its acknowledgement: the payment must be auto-reversed.
	StepAfterStatusInfo
	// StepAfterCompletion: after sending Completion or Abort: the result
	// already stands.
	StepAfterCompletion
)

// ErrInjectedDisconnect is what Serve returns (wrapped) when it closed the
// link because of DisconnectAt.
var ErrInjectedDisconnect = errors.New("zvtsim: injected disconnect")

// faults are the test controls; the zero value injects nothing.
type faults struct {
	delay      time.Duration
	disconnect Step
	forced     bool
	result     zvt.ResultCode
}

// SetDelay makes the terminal wait d (real time, not scaled) before it
// answers each command with 80 00 00, e.g. to exceed the ECR's T3. Zero
// turns it off.
func (t *Terminal) SetDelay(d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.faults.delay = d
}

// DisconnectAt makes the terminal close the link once, at the next
// occurrence of step.
func (t *Terminal) DisconnectAt(step Step) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.faults.disconnect = step
}

// ForceResult makes the next Authorisation end with code, whatever its
// amount: 00 approves, a host code (01…63) declines with a
// Status-Information, any other code aborts with 06 1E <code>.
func (t *Terminal) ForceResult(code zvt.ResultCode) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.faults.forced, t.faults.result = true, code
}

// ClearFaults removes every injected fault.
func (t *Terminal) ClearFaults() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.faults = faults{}
}

func (t *Terminal) delay() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.faults.delay
}

// takeDisconnect reports, once, whether the link is to be closed at step.
func (t *Terminal) takeDisconnect(step Step) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.faults.disconnect != step || step == StepNone {
		return false
	}
	t.faults.disconnect = StepNone
	return true
}

// outcomeFor picks the outcome of a payment, consuming a forced result.
func (t *Terminal) outcomeFor(amount int64) Outcome {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.faults.forced {
		return outcomeFor(amount)
	}
	t.faults.forced = false
	o := Outcome{Amount: amount, Description: "forced result", Result: t.faults.result}
	if o.Result == zvt.ResultOK {
		o.Charged = amount
	}
	return o
}
