// Package zvt speaks ZVT, the ECR interface of German and Austrian payment
// terminals (PA00P015 application protocol, PA00P016 transport), for
// fiscald's /pay: the APDU, BMP and TLV codec, builders for the commands
// the ECR sends, parsers for what the terminal sends back, and the two
// link layers, over a byte stream it is given. It never opens ports:
// cmd/fiscald passes a stream from device/serialport or a net.Conn.
//
// It imports only the standard library and package device, whose
// sentinel errors link failures wrap: device.ErrUnavailable for a stream
// that failed or a frame the peer never accepted, device.ErrTimeout for a
// context deadline (T3, T4).
//
// # APDU
//
//	+-------+-------+--------+----------------------+--------------------+
//	| CLASS | INSTR | length | extended length lo hi | data block         |
//	+-------+-------+--------+----------------------+--------------------+
//	  1       1       1        2, only if length = FF   0…254 or 0…65,535
//
// A response carries CCRC/APRC in the control field: 80 00 positive, 84 xx
// negative with xx from the result-code table. The data block holds
// fixed-position parameters and BMP fields; a BMP's length is fixed, or an
// LLVAR (Fx Fy, decimal) or LLLVAR (Fx Fy Fz) prefix, or for the TLV
// container (BMP 06) a BER length (big-endian, unlike the APDU's).
//
// # Serial framing (SerialLink)
//
//	DLE STX | APDU, each 10 sent as 10 10 | DLE ETX | CRC lo | CRC hi
//	10  02                                   10  03
//
// The CRC is CRC-16/KERMIT (reflected polynomial 0x8408, initial value 0)
// over the unstuffed APDU followed by ETX. The receiver answers each frame
// at once with ACK (06) or NAK (15), before acting on it.
//
//	T1  200 ms  longest gap between two bytes of a frame → receiver NAKs
//	T2  5 s     longest wait for ACK/NAK → sender repeats
//	            repeats: 2, then both sides report ErrTransmission
//
// # TCP (TCPLink)
//
// Bare APDUs, no framing, CRC or ACK; the receiver reassembles APDUs from
// the length field. Port 20007 by default, opened by the caller.
//
// # Sequence and application timeouts
//
// The ECR is master; a command hands master rights to the PT, which sends
// Intermediate-Status (04 FF), Status-Information (04 0F), Print-Line
// (06 D1) or Print-Text-Block (06 D3), each answered with Ack (80 00 00),
// and returns master rights with Completion (06 0F) or Abort (06 1E).
// T3 (DefaultT3, 5 s) bounds the wait for 80 00 after a command and T4
// (DefaultT4, 180 s) the wait for the Completion; both are the caller's
// context deadlines. The answer to the Status-Information makes a payment
// final: if it never arrives the PT reverses the payment by itself, so
// the ECR must persist the result before sending Ack.
package zvt
