// Package escpos speaks ESC/POS, the command language of Epson-compatible
// receipt printers, for fiscald (devices.md §3):
//
//   - Builder encodes a receipt: initialise, code table WPC1252 with text
//     converted from UTF-8, line feeds, alignment, bold, underline,
//     character size, font, cut, QR codes (GS ( k) and the job
//     confirmation request (GS ( H fn 48);
//   - Status decodes the real-time status answers to DLE EOT n, and
//     NextReply separates those bytes from the printer's process-ID
//     responses (37 22 id 00) in the incoming stream;
//   - Printer is the driver behind device.Printer: it checks the printer
//     before a job, sends it framed by ESC @ and GS ( H, and counts it as
//     printed only once the printer confirms it. A job it could not see
//     confirmed is pending and is never sent again.
//
// The package never opens ports: it runs over a Stream it is given (a TCP
// connection to port 9100, a serial port from device/serialport, later a
// USB bulk pipe). Package escposdial builds the dial functions for the
// first two; package escpossim is a printer simulator speaking the same
// protocol.
package escpos
