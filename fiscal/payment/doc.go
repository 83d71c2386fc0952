// Package payment runs /v2/pay (pos-system-api-v2.md §8): payments,
// refunds and cancellations on the payment terminals of a CashBox.
//
// A payment is money, so every step is journaled on the CashBox's payment
// chain (fiscal.PayChain) before the next one happens: pay-started before
// the terminal is asked, pay-result (the terminal's Status-Information)
// before the terminal is told it arrived, pay-completed with the answer
// and the operation record in one batch. A payment runs on its own
// goroutine, bounded by the payment limit rather than by the HTTP request:
// a client that gives up and retries with the same operation id waits for
// the same payment. When the terminal is lost while money may have moved,
// the outcome is unknown: requests get 503 payment-outcome-unknown (not
// stored) until the terminal, asked for its last transaction, settles it.
// A payment found unfinished at start is settled the same way before its
// operation id is answered.
package payment
