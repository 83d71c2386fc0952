package zvtsim

import (
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/device/paysandbox"
	"github.com/fiscald/fiscald/device/zvt"
)

// Outcome is how the simulator answers an Authorisation for one amount.
type Outcome struct {
	// Amount is the requested amount in cents that selects this row.
	Amount int64
	// Description says what happens, for READMEs and test names.
	Description string
	// Result is the result code: 00 approved, 01…63 from the host (sent
	// in a Status-Information, then Abort), others Abort (06 1E) only.
	Result zvt.ResultCode
	// Charged is the amount in the Status-Information of an approval;
	// zero when nothing is charged.
	Charged int64
	// Delay is the simulated time before the result, multiplied by
	// Options.TimeScale.
	Delay time.Duration
	// Disconnect makes the terminal drop the link right after its
	// Status-Information: the acknowledgement never comes, so it
	// reverses the payment (devices.md §1.10).
	Disconnect bool
}

// DisconnectAmount is the simulator's one row beyond the sandbox table
// (which approves it): approved, then the link drops before the ECR's
// acknowledgement, so that a POS sees how fiscald settles a payment it
// lost mid-transaction.
const DisconnectAmount = 3000030

// hostDeclined is the result code of a declined payment: a host code
// (01…63), so it arrives in a Status-Information.
const hostDeclined zvt.ResultCode = 0x05

// Outcomes returns the amount table: the rows of paysandbox.Outcomes (the
// project's one copy of pos-system-api-v2.md §8.6, with its amounts,
// tip, partial approval and delays) with ZVT result codes: approved 00,
// declined 05 in a Status-Information, the cancel Abort 6C, and the
// timeout row, after the terminal's own wait (60 s, shorter than the
// ECR's T4), Abort A1 ("remote station does not respond"): the one ZVT
// code the driver reports as a timeout, so /v2/pay answers the row with
// payment-timeout over ZVT as over the sandbox provider (6C means "timeout
// or abort key" and reads as a cancel). A last row, DisconnectAmount, is
// the simulator's own. Every other amount is approved at once for exactly
// the amount requested.
func Outcomes() []Outcome {
	rows := paysandbox.Outcomes()
	out := make([]Outcome, 0, len(rows)+1)
	for _, r := range rows {
		out = append(out, fromSandbox(r))
	}
	return append(out, disconnectRow())
}

func disconnectRow() Outcome {
	return Outcome{Amount: DisconnectAmount, Description: "approved, then the link drops before the acknowledgement: auto-reversed, nothing charged",
		Result: zvt.ResultOK, Charged: DisconnectAmount, Delay: paysandbox.HumanDelay, Disconnect: true}
}

// outcomeFor looks an amount up in the table.
func outcomeFor(amount int64) Outcome {
	if amount == DisconnectAmount {
		return disconnectRow()
	}
	return fromSandbox(paysandbox.Lookup(amount))
}

// fromSandbox gives a sandbox row its ZVT result code.
func fromSandbox(r paysandbox.Outcome) Outcome {
	o := Outcome{Amount: r.Amount, Description: r.Description, Charged: r.Charged, Delay: r.Delay}
	switch r.Result {
	case device.PayApproved:
		o.Result = zvt.ResultOK
	case device.PayDeclined:
		o.Result, o.Description = hostDeclined, r.Description+" by the host (result 05)"
	case device.PayCancelled:
		o.Result, o.Description = zvt.ResultAborted, r.Description+": Abort 6C"
	case device.PayTimeout:
		o.Result, o.Description = zvt.ResultRemoteNoResponse, r.Description+": Abort A1"
	default:
		o.Result, o.Description = zvt.ResultSystemError, r.Description+": Abort FF"
	}
	if o.Result != zvt.ResultOK {
		o.Charged = 0
	}
	return o
}

// hostCode reports a result code from the authorisation host, which a PT
// reports in a Status-Information before its Abort.
func hostCode(c zvt.ResultCode) bool { return c >= 0x01 && c <= 0x63 }
