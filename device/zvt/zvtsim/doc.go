// Package zvtsim is a simulated ZVT payment terminal (the PT role) for
// tests and the demo daemon. It speaks the real wire protocol over any
// zvt.Link, so the driver under test is the production ECR driver:
//
//   - Registration, Authorisation with Intermediate-Status, Status-
//     Information and Print-Line receipts, Reversal, Refund, End-of-Day,
//     Status-Enquiry, Repeat Receipt, Abort from the ECR and Log-Off;
//   - outcomes chosen by amount (Outcomes, the sandbox table of the POS
//     system API), with delays multiplied by Options.TimeScale;
//   - finality as PA00P015 §2.2.8 demands: a payment is booked only when
//     the ECR has acknowledged its Status-Information and print lines;
//     otherwise it is auto-reversed, never charged (Transactions);
//   - trace and receipt numbers and the ledger persist in a JSON state
//     file written atomically after every change, so the simulator
//     outlives a crash of the ECR and of itself;
//   - faults for tests: SetDelay, DisconnectAt, ForceResult.
//
// A Terminal runs one sequence at a time, as a real PT with one master
// does, but may serve several links at once (a pty and TCP connections,
// as `fiscalctl sim zvt` does), all sharing one ledger.
package zvtsim
