// Package wire holds the JSON shapes of the POS System API v2 and their
// parsing rules; it knows nothing about transport.
//
// The API carries 64-bit case values above 2^53 and money amounts that must
// stay exact, so request bodies are never decoded through encoding/json or
// float64. Instead Parse builds a small document model ([Value]) that keeps
// every number literal as received, rejects what the API forbids (duplicate
// or case-variant member names, invalid UTF-8, trailing data), and feeds
//
//   - [Digest], the canonical request digest that decides whether a retried
//     operation carries the same body (pos-system-api-v2.md §3.2),
//   - the typed decoders ([DecodeReceiptRequest], [DecodeEchoRequest],
//     [DecodeJournalRequest]), which report every bad field by its JSON path
//     in a [ValidationError].
//
// Responses are written by hand-rolled appenders (AppendJSON methods) because
// they sit on every request's hot path and their key order is part of the
// contract.
//
// The package imports only the standard library; the HTTP layer
// (package httpapi) and the fiscal core both build on it, never the other
// way round. All functions are safe for concurrent use; a [Value] returned by
// Parse is not modified by anything in this package and may be shared by
// readers.
package wire
