// Package journal is fiscald's write-ahead journal: an append-only,
// hash-chained log of entries per chain (one chain per fiscal queue), plus a
// small set of auxiliary records (CashBoxes, operation records, lookup
// indexes), all in one Pebble database on disk.
//
// # Format (version 1)
//
// Keys, all big-endian:
//
//	entry:  0x45 'E' | chain (16 bytes) | seq (8 bytes)   -> entry value
//	record: 0x52 'R' | namespace (1 byte) | record key    -> record value
//
// An entry value is
//
//	+---------+------+----------+-----------------+-----------------+--------+
//	| version | kind |   seq    |  unix nanos     |  prev hash      |  body  |
//	| 1 byte  | 1 b  | 8 bytes  |  8 bytes (i64)  |  32 bytes       |  rest  |
//	+---------+------+----------+-----------------+-----------------+--------+
//
// and its hash is SHA-256(chain ‖ value). Entry 1 of a chain has an all-zero
// prev hash; entry n+1 carries the hash of entry n. Sequence numbers start at
// 1 and have no gaps. docs/journal-format.md specifies the same rules for
// readers without this code.
//
// # Durability
//
// A Batch groups the entries and records of one operation. Apply makes it
// visible and fixes its place in the write-ahead log; Wait returns once the
// log is synced. Concurrent batches share one fsync (Pebble's commit pipeline
// is a group commit), and because the log is sequential a synced batch implies
// every batch applied before it is synced too. Callers acknowledge nothing
// before Wait returns.
//
// # Ownership
//
// Each chain has a single writer at a time (its queue); Append checks this
// and fails rather than fork a chain. Nothing in this package edits or
// deletes an entry.
package journal
