package zvtsim

import (
	"time"

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
}

// Simulated times of the table.
const (
	// humanDelay is how long a customer takes to decline or cancel.
	humanDelay = 2 * time.Second
	// terminalTimeout is the PT's own card-entry timeout; it is shorter
	// than the ECR's T4 (180 s) so that the PT, not the ECR, gives up.
	terminalTimeout = 60 * time.Second
	// hostDeclined is the result code of a declined payment: a host
	// code (01…63), so it arrives in a Status-Information.
	hostDeclined zvt.ResultCode = 0x05
)

// Outcomes returns the amount table, reproducing the sandbox amounts of
// the POS system API (pos-system-api-v2.md §8.6). Every other amount is
// approved at once for exactly the amount requested.
func Outcomes() []Outcome {
	return []Outcome{
		{3000010, "declined by the host (result 05)", hostDeclined, 0, humanDelay},
		{3000020, "terminal timeout: Abort 6C after 60 s", zvt.ResultAborted, 0, terminalTimeout},
		{3000040, "cancelled by the customer: Abort 6C", zvt.ResultAborted, 0, humanDelay},
		{3000050, "approved with a 10 % tip", zvt.ResultOK, 3000050 + 3000050/10, 0},
		{3000060, "approved after 1 minute", zvt.ResultOK, 3000060, time.Minute},
		{3000070, "approved after 3 minutes", zvt.ResultOK, 3000070, 3 * time.Minute},
		{3000080, "approved after 6 minutes", zvt.ResultOK, 3000080, 6 * time.Minute},
		{3000090, "partially approved: 15000.50", zvt.ResultOK, 1500050, 0},
	}
}

// outcomeFor looks an amount up in the table.
func outcomeFor(amount int64) Outcome {
	for _, o := range Outcomes() {
		if o.Amount == amount {
			return o
		}
	}
	return Outcome{Amount: amount, Description: "approved", Result: zvt.ResultOK, Charged: amount}
}

// hostCode reports a result code from the authorisation host, which a PT
// reports in a Status-Information before its Abort.
func hostCode(c zvt.ResultCode) bool { return c >= 0x01 && c <= 0x63 }
