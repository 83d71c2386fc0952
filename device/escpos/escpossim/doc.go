// Package escpossim is a simulated ESC/POS receipt printer for tests and
// the demo daemon (devices.md §7.3). It speaks the real protocol over any
// byte stream, a pty master or a TCP connection, so the driver under test
// is the production driver (device/escpos):
//
//   - it parses the stream as a printer does: the commands the driver's
//     Builder emits, and the rest of ESC/POS skipped by length, so an
//     unknown command can garble a receipt but never stall the simulator;
//   - real-time requests (DLE EOT 1–4) are answered at once from the
//     printer's state, even while it holds unprinted data;
//   - everything else goes through a receive buffer that a print
//     mechanism works off line by line, taking Options.LineDelay per line
//     (scaled by Options.TimeScale). GS ( H fn 48 is answered with
//     37 22 id 00 when the mechanism reaches it, i.e. after the data
//     before it has been printed; GS r and GS I are answered in order too;
//   - paper near end, paper out and an open cover stop the mechanism
//     (paper out can be armed to happen mid-job with PaperOutAfter); the
//     data stays in the buffer and prints, and is confirmed, once the
//     printer can print again;
//   - Jobs records each job (from ESC @ to its GS ( H, or to a cut) with
//     its bytes and whether it was printed; Render and RenderText draw
//     what a byte stream prints, for golden tests and for decoding the
//     receipt's QR code from the image.
//
// Real-time recovery (DLE ENQ), buffer clearing (DLE DC4), automatic
// status back (GS a), barcodes and page mode are recognised and skipped,
// not modelled.
package escpossim
