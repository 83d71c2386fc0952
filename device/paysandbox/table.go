// Package paysandbox is fiscald's "test" payment protocol: a software
// payment terminal for sandbox CashBoxes that answers by amount as the
// dummy provider of the POS system API does (pos-system-api-v2.md §8.6).
//
// The amount table (Outcomes) is the project's only copy: the ZVT
// simulator (device/zvt/zvtsim) derives its rows from it and adds its
// own ZVT result codes.
package paysandbox

import (
	"time"

	"github.com/fiscald/fiscald/device"
)

// Outcome is how the sandbox answers a payment of one amount.
type Outcome struct {
	// Amount is the requested amount in cents that selects the row.
	Amount int64
	// Description says what happens, for READMEs and test names.
	Description string
	// Result is the outcome of the payment.
	Result device.PayOutcome
	// Charged is the amount in cents charged on approval (a tip
	// included, less than Amount when partially approved); zero when
	// nothing is charged.
	Charged int64
	// Delay is the simulated time before the result, multiplied by
	// Options.TimeScale.
	Delay time.Duration
}

// Tip is the tip in cents the row adds to the requested amount; zero
// for rows without a tip.
func (o Outcome) Tip() int64 {
	if o.Charged > o.Amount {
		return o.Charged - o.Amount
	}
	return 0
}

// Simulated times of the table.
const (
	// HumanDelay is how long a customer takes to decline or cancel.
	HumanDelay = 2 * time.Second
	// TerminalTimeout is the terminal's own card-entry timeout. It is
	// shorter than a ZVT ECR's T4 (180 s), so that in the ZVT simulator
	// the terminal, not the ECR, gives up.
	TerminalTimeout = 60 * time.Second
)

// tipOf is the guest tip of the tip row: 10 % of the amount, rounded down.
func tipOf(amount int64) int64 { return amount / 10 }

// Outcomes returns the amount table of pos-system-api-v2.md §8.6, amounts
// in cents. Every other amount is approved at once for exactly the amount
// requested (Lookup).
//
// The spec's "timeout (returned as an error)" is the outcome
// device.PayTimeout: Pay reports it as a result with a nil error, and
// fiscald's /v2/pay turns it into the 504 payment-timeout problem
// document, which is the error the POS sees.
func Outcomes() []Outcome {
	return []Outcome{
		{3000010, "declined", device.PayDeclined, 0, HumanDelay},
		{3000020, "terminal timeout after 60 s", device.PayTimeout, 0, TerminalTimeout},
		{3000040, "cancelled by the customer", device.PayCancelled, 0, HumanDelay},
		{3000050, "approved with a 10 % tip", device.PayApproved, 3000050 + tipOf(3000050), 0},
		{3000060, "approved after 1 minute", device.PayApproved, 3000060, time.Minute},
		{3000070, "approved after 3 minutes", device.PayApproved, 3000070, 3 * time.Minute},
		{3000080, "approved after 6 minutes", device.PayApproved, 3000080, 6 * time.Minute},
		{3000090, "partially approved: 15000.50", device.PayApproved, 1500050, 0},
	}
}

// Lookup returns the row of amount, or an approval at once for exactly
// amount when the table has no such row (refunds, i.e. negative amounts,
// included).
func Lookup(amount int64) Outcome {
	for _, o := range Outcomes() {
		if o.Amount == amount {
			return o
		}
	}
	return Outcome{Amount: amount, Description: "approved", Result: device.PayApproved, Charged: amount}
}
