// Package receipt lays out a fiscalised receipt for people to read: one
// [Document], built by [Build] from a /v2/sign request body and the
// ReceiptResponse fiscald stored for it, rendered to several outputs.
//
//   - [Lines] is the printing layout: fixed-width lines with alignment and
//     emphasis, plus QR-code and cut lines, in the form a printer encoder
//     (ESC/POS) consumes without knowing anything about receipts.
//   - [Text] writes those lines as plain text; it is the basis of the golden
//     tests.
//   - [HTML] is a self-contained page for the customer's phone or browser
//     (the /v2/issue document, pos-system-api-v2.md §9).
//   - [PNG] is the same receipt as an image 576 pixels wide, the width of
//     80 mm thermal paper.
//
// The document is made only from fiscald's stored bytes, never from a
// client's copy, so the customer sees what was signed. The machine-readable
// code is the Data of the QR signature item, copied verbatim: re-encoding it
// would change what a verifier checks (rksv.md §1.5). Labels are German for
// the Austrian market, amounts use a decimal comma and are rounded once to
// cents, the way RKSV counts them (rksv.md §1.2).
//
// All text that came from a request or response is stripped of control
// characters before it is laid out, so a description cannot smuggle printer
// commands into the ESC/POS stream; the HTML renderer escapes it as well.
package receipt
