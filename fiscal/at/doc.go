// Package at is fiscald's Austrian market: the RKSV rules behind the POS
// System API v2 (rksv.md). It turns receipts into signed (or, while the
// signature device is out, failed) RKSV receipts, keeps the register's turnover
// counter, chain and failed-mode record, and exports the DEP7 journal and the
// crypto-material container.
//
// Two layers: Builder makes one RKSV receipt from explicit inputs (Kassen-ID,
// AES key, number, date, amounts, device), which the official test scenarios
// drive directly; register applies fiscald's policy on top of it (which
// receipt kind a v2 case is, failed mode, closings due) for one queue.
package at
