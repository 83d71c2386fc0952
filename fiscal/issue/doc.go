// Package issue hands signed receipts to customers (pos-system-api-v2.md
// §9): receipt pages behind capability URLs, delivery state, and (with a
// printer) print jobs that count as delivered only once the printer
// confirms them.
package issue
