// Package fiscal is fiscald's core: CashBoxes and their queues, the receipt
// state machine, idempotent operations, and the contract a market (a
// country's fiscal rules) implements.
//
// Data flows one way: httpapi decodes a request and calls a Service; the
// Service authenticates, checks the operation id, validates, and hands the
// receipt to the queue that owns its chain; the queue asks its market
// Register to fiscalize it, writes the queue item, the operation record and
// the indexes in one journal batch, and answers once the batch is synced.
//
// fiscal imports the journal and the device contract, never a driver, gin or
// a market package: markets are passed in as values by cmd/fiscald.
package fiscal
